#![no_main]
//! Any bytes as a stream of telephone events: each 8-byte record is an RTP
//! timestamp and a payload fed to one receiver. A press is never reported
//! twice for the same (timestamp, event) within its memory.
use centralino_media::{DtmfReceiver, TelephoneEvent};
use libfuzzer_sys::fuzz_target;
use std::time::{Duration, Instant};

fuzz_target!(|data: &[u8]| {
    let _ = TelephoneEvent::parse(data);
    let t0 = Instant::now();
    let mut r = DtmfReceiver::new();
    let mut reported = 0usize;
    for (i, rec) in data.chunks(8).enumerate() {
        if rec.len() < 8 {
            let _ = TelephoneEvent::parse(rec);
            break;
        }
        let ts = u32::from_be_bytes([rec[0], rec[1], rec[2], rec[3]]);
        let Ok(ev) = TelephoneEvent::parse(&rec[4..]) else {
            continue;
        };
        assert_eq!(TelephoneEvent::parse(&ev.to_bytes()), Ok(ev));
        let now = t0 + Duration::from_millis(20 * i as u64);
        reported += r.receive(now, ts, ev).count();
        reported += usize::from(r.handle_timeout(now).is_some());
    }
    // At most two reports per record (a missed end, then this one).
    assert!(reported <= 2 * data.len().div_ceil(8));
});
