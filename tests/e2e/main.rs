mod harness;
mod sip_basics;
