//! RTP, 20 ms pacing, RFC 4733 DTMF, G.711, prompts and relay, sans-IO.
