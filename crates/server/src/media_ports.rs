//! RTP ports: one even port per call leg from the configured range; the odd
//! port above it stays reserved for RTCP and is never handed to another leg.

pub use crate::config::PortRange;
use std::collections::HashSet;
use std::io;
use std::net::{IpAddr, SocketAddr};
use tokio::io::unix::AsyncFd;
use tokio::io::Interest;

/// A call leg's RTP socket: non-blocking, registered with the runtime for
/// read readiness only. The socket is only ever lent out by shared
/// reference, so its descriptor stays the one registered until drop.
pub struct RtpSocket(AsyncFd<std::net::UdpSocket>);

impl RtpSocket {
    /// Register a bound, non-blocking socket with the current runtime.
    #[allow(unsafe_code)]
    fn register(socket: std::net::UdpSocket) -> io::Result<Self> {
        // SAFETY: `register_with_interest` needs the descriptor to stay
        // open and to be the same file description for as long as the
        // `AsyncFd` lives. The `UdpSocket` owns its descriptor (closed only
        // by its drop) and is moved into the `AsyncFd`, which this private
        // field keeps; `RtpSocket` gives out only `&UdpSocket` (`get_ref`),
        // through which the descriptor can be neither closed nor replaced,
        // and never `&mut` or the socket itself. Its drop deregisters before
        // the socket closes (AsyncFd's own drop order).
        let fd = unsafe { AsyncFd::register_with_interest(socket, Interest::READABLE) }
            .map_err(|e| e.into_parts().1)?;
        Ok(RtpSocket(fd))
    }

    /// The socket, to send and receive on (non-blocking).
    pub fn get_ref(&self) -> &std::net::UdpSocket {
        self.0.get_ref()
    }

    /// Wait until the socket may have datagrams to read.
    pub async fn readable(
        &self,
    ) -> io::Result<tokio::io::unix::AsyncFdReadyGuard<'_, std::net::UdpSocket>> {
        self.0.readable().await
    }
}

/// Hands out bound RTP sockets.
pub struct MediaPorts {
    ip: IpAddr,
    range: PortRange,
    next: u16,
    in_use: HashSet<u16>,
}

impl MediaPorts {
    /// Ports from `range` on `ip`.
    pub fn new(ip: IpAddr, range: PortRange) -> Self {
        let first = range.low + (range.low & 1);
        MediaPorts {
            ip,
            range,
            next: first,
            in_use: HashSet::new(),
        }
    }

    fn first_even(&self) -> u16 {
        self.range.low + (self.range.low & 1)
    }

    /// How many even ports the range holds (an odd partner must fit too).
    pub fn capacity(&self) -> usize {
        let first = self.first_even();
        if self.range.high <= first {
            return 0;
        }
        (self.range.high - first).div_ceil(2) as usize
    }

    /// Bind the next free even port (round robin, so a just-released port
    /// rests a while before reuse: late packets of an old call do not reach
    /// a new one).
    pub fn bind(&mut self) -> io::Result<RtpSocket> {
        let capacity = self.capacity();
        for _ in 0..capacity {
            let port = self.next;
            self.next = if port.saturating_add(3) > self.range.high {
                self.first_even()
            } else {
                port + 2
            };
            if self.in_use.contains(&port) {
                continue;
            }
            match std::net::UdpSocket::bind(SocketAddr::new(self.ip, port)) {
                Ok(s) => {
                    s.set_nonblocking(true)?;
                    // Registered for reading only: sending is one plain
                    // syscall per packet on the same socket, and the kernel
                    // freeing each sent packet does not raise a write
                    // readiness event for the runtime to process (with
                    // read+write interest it did, once per packet).
                    let s = RtpSocket::register(s)?;
                    self.in_use.insert(port);
                    return Ok(s);
                }
                Err(e) if e.kind() == io::ErrorKind::AddrInUse => continue,
                Err(e) => return Err(e),
            }
        }
        Err(io::Error::new(
            io::ErrorKind::AddrInUse,
            format!(
                "all {capacity} RTP ports of {}-{} are busy",
                self.range.low, self.range.high
            ),
        ))
    }

    /// Give a port back.
    pub fn release(&mut self, port: u16) {
        self.in_use.remove(&port);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hands_out_even_ports_and_skips_busy_ones() {
        // Find a free block of 8 ports.
        let base = loop {
            let p = std::net::UdpSocket::bind("127.0.0.1:0")
                .unwrap()
                .local_addr()
                .unwrap()
                .port()
                & !1;
            if p < 60000 && (p..p + 8).all(|q| std::net::UdpSocket::bind(("127.0.0.1", q)).is_ok())
            {
                break p;
            }
        };
        let _busy = std::net::UdpSocket::bind(("127.0.0.1", base + 2)).unwrap();
        let mut ports = MediaPorts::new(
            "127.0.0.1".parse().unwrap(),
            PortRange {
                low: base,
                high: base + 7,
            },
        );
        assert_eq!(ports.capacity(), 4);
        let a = ports.bind().unwrap();
        let b = ports.bind().unwrap();
        assert_eq!(a.get_ref().local_addr().unwrap().port(), base);
        assert_eq!(
            b.get_ref().local_addr().unwrap().port(),
            base + 4,
            "base+2 is taken by another process"
        );
        let c = ports.bind().unwrap();
        assert_eq!(c.get_ref().local_addr().unwrap().port(), base + 6);
        assert!(ports.bind().is_err(), "range exhausted");
        ports.release(base);
        drop(a);
        assert_eq!(
            ports.bind().unwrap().get_ref().local_addr().unwrap().port(),
            base
        );
    }
}
