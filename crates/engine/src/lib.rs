//! Centralino's call engine: composes SIP, SDP, media, IVR, ACD and CDR behind handle_*/poll_*.
