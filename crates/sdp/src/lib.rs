//! SDP offer/answer (RFC 3264) for PCMU, PCMA, G729 and telephone-event.
