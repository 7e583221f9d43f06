//! G.729 for Centralino: a small safe wrapper over Debian's `libbcg729`
//! (Belledonne Communications' G.729/Annex A/Annex B codec), implementing
//! the [`centralino_media::g729`] traits.
//!
//! ## Licence
//! `libbcg729` is **GPL-3.0-or-later**. A `centralino` binary built with
//! the `g729` feature links it and is therefore distributed under the
//! GPL-3.0-or-later as a whole (Centralino's AGPL-3.0-or-later is
//! compatible, and its network-use clause still applies to our code);
//! anyone shipping that binary must offer the corresponding source of
//! both. Builds without the feature do not link it and stay AGPL-only.
//! G.729's patents have expired (2017), so no patent licence is needed.
//!
//! ## Build
//! Needs `libbcg729-dev` (`apt-get install -y libbcg729-dev`), which
//! provides `libbcg729.so` and `/usr/include/bcg729/{encoder,decoder}.h`.
//!
//! ## Safety
//! This is the only crate of the workspace allowed `unsafe`: six C
//! functions are declared in a private `ffi` module and each call site proves its
//! preconditions in a `// SAFETY:` comment. Each channel context is owned
//! by exactly one Rust value and freed once, in `Drop`.

#![warn(missing_docs)]
#![allow(unsafe_code)]

use centralino_media::g729::{
    G729Decoder, G729Encoder, G729Frame, G729Provider, FRAME_BYTES, FRAME_SAMPLES, SID_BYTES,
};
use std::ptr::NonNull;

/// The C API of `libbcg729` 1.1 (`encoder.h`, `decoder.h`).
mod ffi {
    /// Opaque `bcg729EncoderChannelContextStruct`.
    #[repr(C)]
    pub struct EncoderContext {
        _private: [u8; 0],
    }

    /// Opaque `bcg729DecoderChannelContextStruct`.
    #[repr(C)]
    pub struct DecoderContext {
        _private: [u8; 0],
    }

    #[link(name = "bcg729")]
    extern "C" {
        /// Allocate and initialise an encoder; `enableVAD` 1 turns on Annex B.
        pub fn initBcg729EncoderChannel(enable_vad: u8) -> *mut EncoderContext;
        /// Free an encoder.
        pub fn closeBcg729EncoderChannel(ctx: *mut EncoderContext);
        /// Encode 80 samples; writes 10 bytes (0 or 2 with VAD) and the length.
        pub fn bcg729Encoder(
            ctx: *mut EncoderContext,
            input_frame: *const i16,
            bit_stream: *mut u8,
            bit_stream_length: *mut u8,
        );
        /// Allocate and initialise a decoder.
        pub fn initBcg729DecoderChannel() -> *mut DecoderContext;
        /// Free a decoder.
        pub fn closeBcg729DecoderChannel(ctx: *mut DecoderContext);
        /// Decode one frame into 80 samples.
        pub fn bcg729Decoder(
            ctx: *mut DecoderContext,
            bit_stream: *const u8,
            bit_stream_length: u8,
            frame_erasure_flag: u8,
            sid_frame_flag: u8,
            rfc3389_payload_flag: u8,
            signal: *mut i16,
        );
    }
}

/// A G.729 encoder channel (no VAD/DTX: every frame is a 10-byte voice
/// frame, as `annexb=no` requires).
pub struct Encoder {
    ctx: NonNull<ffi::EncoderContext>,
}

// SAFETY: the context is a plain heap struct owned solely by this value;
// libbcg729 keeps no thread-local or global state for it, so moving it to
// another thread is sound. It is not `Sync`: `encode` takes `&mut self`.
unsafe impl Send for Encoder {}

impl Encoder {
    /// A fresh encoder, or `None` if the library could not allocate one.
    pub fn new() -> Option<Encoder> {
        // SAFETY: initBcg729EncoderChannel takes a flag by value and returns
        // a newly allocated context or NULL; NULL is checked below.
        let ctx = unsafe { ffi::initBcg729EncoderChannel(0) };
        NonNull::new(ctx).map(|ctx| Encoder { ctx })
    }
}

impl G729Encoder for Encoder {
    fn encode(&mut self, pcm: &[i16; FRAME_SAMPLES]) -> [u8; FRAME_BYTES] {
        let mut out = [0u8; FRAME_BYTES];
        let mut len = 0u8;
        // SAFETY: `ctx` is a live context from initBcg729EncoderChannel
        // (freed only in Drop); `pcm` points to 80 readable samples, the
        // frame size the encoder reads; `out` has room for the 10 bytes it
        // writes with VAD off; `len` is a valid u8 out-pointer. `&mut self`
        // guarantees no concurrent use of the context.
        unsafe { ffi::bcg729Encoder(self.ctx.as_ptr(), pcm.as_ptr(), out.as_mut_ptr(), &mut len) };
        out
    }
}

impl Drop for Encoder {
    fn drop(&mut self) {
        // SAFETY: `ctx` came from initBcg729EncoderChannel and is freed
        // exactly once, here; no reference to it outlives `self`.
        unsafe { ffi::closeBcg729EncoderChannel(self.ctx.as_ptr()) }
    }
}

impl std::fmt::Debug for Encoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("bcg729::Encoder")
    }
}

/// A G.729 decoder channel (accepts Annex B SID frames and conceals
/// erased frames).
pub struct Decoder {
    ctx: NonNull<ffi::DecoderContext>,
}

// SAFETY: as for `Encoder`: a heap context with a single owner and no
// thread affinity.
unsafe impl Send for Decoder {}

impl Decoder {
    /// A fresh decoder, or `None` if the library could not allocate one.
    pub fn new() -> Option<Decoder> {
        // SAFETY: no arguments; returns a new context or NULL, checked below.
        let ctx = unsafe { ffi::initBcg729DecoderChannel() };
        NonNull::new(ctx).map(|ctx| Decoder { ctx })
    }
}

impl G729Decoder for Decoder {
    fn decode(&mut self, frame: G729Frame<'_>, out: &mut [i16; FRAME_SAMPLES]) {
        const EMPTY: [u8; FRAME_BYTES] = [0; FRAME_BYTES];
        let (bits, len, erased, sid): (&[u8], u8, u8, u8) = match frame {
            G729Frame::Voice(b) => (b, FRAME_BYTES as u8, 0, 0),
            G729Frame::Sid(b) => (b, SID_BYTES as u8, 0, 1),
            G729Frame::Erased => (&EMPTY, 0, 1, 0),
        };
        // SAFETY: `ctx` is live (freed only in Drop) and exclusively
        // borrowed; `bits` holds `len` readable bytes (10 for a voice
        // frame, 2 for SID; with the erasure flag the library reads
        // nothing, and EMPTY is there anyway); `out` has room for the 80
        // samples the decoder always writes.
        unsafe {
            ffi::bcg729Decoder(
                self.ctx.as_ptr(),
                bits.as_ptr(),
                len,
                erased,
                sid,
                0,
                out.as_mut_ptr(),
            )
        };
    }
}

impl Drop for Decoder {
    fn drop(&mut self) {
        // SAFETY: `ctx` came from initBcg729DecoderChannel and is freed
        // exactly once, here.
        unsafe { ffi::closeBcg729DecoderChannel(self.ctx.as_ptr()) }
    }
}

impl std::fmt::Debug for Decoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("bcg729::Decoder")
    }
}

/// The [`G729Provider`] the server hands to the engine with the `g729`
/// feature.
///
/// # Panics
/// `encoder()`/`decoder()` panic only if libbcg729 cannot allocate a
/// context (a `malloc` failure: out of memory).
#[derive(Debug, Clone, Copy, Default)]
pub struct Bcg729;

impl G729Provider for Bcg729 {
    fn encoder(&self) -> Box<dyn G729Encoder> {
        Box::new(Encoder::new().expect("libbcg729: out of memory allocating an encoder"))
    }

    fn decoder(&self) -> Box<dyn G729Decoder> {
        Box::new(Decoder::new().expect("libbcg729: out of memory allocating a decoder"))
    }
}
