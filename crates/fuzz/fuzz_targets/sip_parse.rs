#![no_main]
use centralino_sip::{parse_datagram, uas_checks, Inbound, MessageExt, UasPolicy};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match parse_datagram(data) {
        Inbound::Request(request) => {
            let _ = uas_checks(&request, &UasPolicy::default());
            let _ = (request.cseq(), request.from_tag(), request.to_tag());
            let _ = (request.top_via(), request.contacts());
            let _ = request.to_bytes();
        }
        Inbound::Response(response) => {
            let _ = (response.cseq(), response.top_via(), response.via_count());
        }
        Inbound::Reject { response, .. } => {
            let _ = parse_datagram(&response);
        }
        Inbound::Drop(_) => {}
    }
});
