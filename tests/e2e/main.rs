mod acd;
mod baresip;
mod cdr;
mod harness;
mod http;
mod lifecycle;
mod sip_basics;
mod transfer;
