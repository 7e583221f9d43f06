//! Benchmark receiver: counts RTP packets per SSRC on a UDP port and reports
//! the inter-arrival deviation from 20 ms pooled over all streams, as JSON.
//!
//! `cargo run --release -p centralino-media --example rtp_sink -- PORT SECONDS [SKIP_SECONDS]`
//!
//! Packets of the first SKIP_SECONDS (default 0) are counted but not timed
//! (ramp-up). Arrival times are the kernel's receive timestamps
//! (`SO_TIMESTAMPNS`), so the sink's own scheduling on a busy machine does
//! not count as jitter; the receive buffer is enlarged (`SO_RCVBUFFORCE`
//! when root) so bursts are not dropped. Used by `scripts/bench`.

use centralino_media::jitter::InterArrival;
use nix::sys::socket::{recvmsg, setsockopt, sockopt, ControlMessageOwned, MsgFlags, SockaddrIn};
use nix::sys::time::TimeSpec;
use std::collections::HashMap;
use std::io::IoSliceMut;
use std::net::UdpSocket;
use std::os::fd::AsRawFd;
use std::time::{Duration, Instant};

/// The kernel's receive time of the packet, as a monotonic-like Duration
/// since the Unix epoch (only differences matter).
fn recv_stamped(socket: &UdpSocket, buf: &mut [u8]) -> Option<(usize, Duration)> {
    let mut iov = [IoSliceMut::new(buf)];
    let mut cmsg = nix::cmsg_space!(TimeSpec);
    let msg = recvmsg::<SockaddrIn>(
        socket.as_raw_fd(),
        &mut iov,
        Some(&mut cmsg),
        MsgFlags::empty(),
    )
    .ok()?;
    let mut at = None;
    if let Ok(cmsgs) = msg.cmsgs() {
        for c in cmsgs {
            if let ControlMessageOwned::ScmTimestampns(ts) = c {
                at = Some(Duration::new(ts.tv_sec() as u64, ts.tv_nsec() as u32));
            }
        }
    }
    let n = msg.bytes;
    Some((n, at?))
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let port: u16 = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(40000);
    let secs: u64 = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(30);
    let skip: u64 = args.get(3).and_then(|a| a.parse().ok()).unwrap_or(0);
    let socket = match UdpSocket::bind(("127.0.0.1", port)) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("rtp_sink: bind 127.0.0.1:{port}: {e}");
            std::process::exit(2);
        }
    };
    // With RTP_SINK_POLL_MS, the sink never blocks on the socket: it reads
    // what is queued, then sleeps that long. No reader waits on the socket,
    // so a sender on the same machine is not charged for waking one.
    let poll = std::env::var("RTP_SINK_POLL_MS")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
        .map(Duration::from_millis);
    match poll {
        Some(_) => socket.set_nonblocking(true).expect("non-blocking socket"),
        None => {
            let _ = socket.set_read_timeout(Some(Duration::from_millis(100)));
        }
    }
    let _ = setsockopt(&socket, sockopt::ReceiveTimestampns, &true);
    if setsockopt(&socket, sockopt::RcvBufForce, &(64 << 20)).is_err() {
        let _ = setsockopt(&socket, sockopt::RcvBuf, &(64 << 20));
    }
    let start = Instant::now();
    let timed_from = start + Duration::from_secs(skip);
    let end = start + Duration::from_secs(secs);
    let mut streams: HashMap<u32, (InterArrival, Option<u16>)> = HashMap::new();
    // Kernel timestamps are wall-clock: map them onto an Instant timeline.
    let epoch = Instant::now();
    let mut first_stamp: Option<Duration> = None;
    let mut packets = 0u64;
    let mut gaps = 0u64;
    let mut buf = [0u8; 2048];
    while Instant::now() < end {
        let Some((n, stamp)) = recv_stamped(&socket, &mut buf) else {
            if let Some(poll) = poll {
                std::thread::sleep(poll);
            }
            continue;
        };
        let base = *first_stamp.get_or_insert(stamp);
        let at = epoch + stamp.saturating_sub(base);
        if n < 12 || buf[0] >> 6 != 2 {
            continue;
        }
        packets += 1;
        let seq = u16::from_be_bytes([buf[2], buf[3]]);
        let ssrc = u32::from_be_bytes([buf[8], buf[9], buf[10], buf[11]]);
        let (ia, last) = streams
            .entry(ssrc)
            .or_insert_with(|| (InterArrival::new(Duration::from_millis(20)), None));
        if let Some(prev) = *last {
            if seq != prev.wrapping_add(1) {
                gaps += 1;
                ia.restart();
            }
        }
        *last = Some(seq);
        if Instant::now() >= timed_from {
            ia.record(at);
        } else {
            ia.restart();
        }
    }
    // Pool the deviations: the percentile over every inter-arrival of every stream.
    let mut pooled = InterArrival::new(Duration::from_millis(20));
    let mut per_stream_p95: Vec<u128> = Vec::new();
    for (ia, _) in streams.values() {
        if let Some(s) = ia.summary() {
            per_stream_p95.push(s.p95.as_micros());
        }
        pooled.merge(ia);
    }
    per_stream_p95.sort_unstable();
    let s = pooled.summary();
    let us = |d: Option<Duration>| d.map(|d| d.as_micros()).unwrap_or(0);
    println!(
        "{{\"streams\":{},\"packets\":{},\"seq_gaps\":{},\"intervals\":{},\"p50_us\":{},\"p95_us\":{},\"p99_us\":{},\"max_us\":{},\"worst_stream_p95_us\":{}}}",
        streams.len(),
        packets,
        gaps,
        s.as_ref().map(|s| s.count).unwrap_or(0),
        us(s.as_ref().map(|s| s.p50)),
        us(s.as_ref().map(|s| s.p95)),
        us(s.as_ref().map(|s| s.p99)),
        us(s.as_ref().map(|s| s.max)),
        per_stream_p95.last().copied().unwrap_or(0)
    );
}
