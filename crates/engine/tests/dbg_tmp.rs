mod sim;
use sim::*;
use sim::peer::take_call;
use std::time::Duration;
#[test]
fn dbg() {
    let mut sim = Sim::builder(BASE).build();
    let a = Agent::new("op1", "pw1", 1);
    a.log_in(&mut sim);
    let mut c = Caller::answered(&mut sim, "0461000001", QUEUE, caller_rtp(1));
    sim.advance(Duration::from_millis(140));
    let inv = a.take_invites(&mut sim);
    let mut offer = Offer::of(&sim, &inv[0]);
    offer.respond(&mut sim, &a, 180);
    offer.answer(&mut sim, &a, "PCMA");
    take_call(&mut sim, a.sip, &offer.call_id());
    c.reinvite(&mut sim, &sdp(c.rtp, &["PCMU"], Some(101), &[]));
    let r = offer.send_audio(&mut sim, &a, &[0x12; 160]).unwrap();
    println!("pt {} payload {:x?}", r.packet().payload_type, &r.packet().payload[..4]);
    c.pt = 0;
    println!("{:?}", c.send_audio(&mut sim, &[0x12; 160]).is_some());
    println!("{:?}", sim.engine.stats());
}
