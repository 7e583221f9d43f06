#![no_main]
//! Feeds arbitrary datagrams into a transaction layer, answering every new
//! request and moving time forward between datagrams.
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use centralino_sip::builder::response;
use centralino_sip::{TransactionLayer, TxConfig, TxEvent};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let t0 = Instant::now();
    let local: SocketAddr = "192.0.2.1:5060".parse().unwrap();
    let mut layer = TransactionLayer::new(TxConfig::new(local), 1);
    let mut now = t0;
    // Datagrams are separated by 0x00 0x00; the byte after each separator
    // picks the source port and how far time moves.
    for (i, chunk) in data
        .split(|b| *b == 0)
        .filter(|c| !c.is_empty())
        .enumerate()
    {
        let step = u64::from(chunk[0]);
        let source = SocketAddr::from(([192, 0, 2, 10], 5060 + (step % 4) as u16));
        layer.handle_datagram(now, source, chunk);
        while let Some(event) = layer.poll_event() {
            if let TxEvent::Request { tx, request, .. } = event {
                let code = [180u16, 200, 486][i % 3];
                let _ = layer.respond(now, tx, response(&request, code).to_tag("f").build());
            }
        }
        while layer.poll_transmit().is_some() {}
        now += Duration::from_millis(step * 250);
        layer.handle_timeout(now);
    }
    now += Duration::from_secs(64);
    layer.handle_timeout(now);
    while layer.poll_event().is_some() {}
    while layer.poll_transmit().is_some() {}
});
