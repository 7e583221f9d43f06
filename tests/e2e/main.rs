mod acd;
mod cdr;
mod harness;
mod sip_basics;
