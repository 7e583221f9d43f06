mod acd;
mod baresip;
mod cdr;
mod harness;
mod sip_basics;
mod transfer;
