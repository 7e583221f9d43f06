//! G.711 A-law and µ-law (ITU-T G.711), from tables built at compile time.
//!
//! The encoders follow the classic reference behaviour (the
//! `linear2alaw`/`linear2ulaw` functions every PBX inherited, and CPython's
//! `audioop.lin2alaw`/`lin2ulaw`): A-law quantises the top 13 bits of a
//! 16-bit sample, µ-law the top 14, and the result equals `audioop` on all
//! 65,536 inputs (tested). Encoding is one lookup in an 8 KiB (A-law) or
//! 16 KiB (µ-law) table, decoding one lookup in a 256-entry table, and
//! A-law↔µ-law transcoding one lookup (decode, then re-encode, precomputed).

/// A-law code of a 13-bit two's-complement value (the sample shifted right by 3).
const fn alaw_from_13bit(v: i32) -> u8 {
    let (mask, mag) = if v >= 0 { (0xD5, v) } else { (0x55, -v - 1) };
    // Segment = position of the highest set bit above bit 4 (0 for mag < 32).
    let seg = if mag < 32 {
        0
    } else {
        (32 - (mag as u32).leading_zeros() - 5) as i32
    };
    let quant = if seg < 2 {
        (mag >> 1) & 0xF
    } else {
        (mag >> seg) & 0xF
    };
    (((seg << 4) | quant) as u8) ^ mask
}

/// µ-law code of a 14-bit two's-complement value (the sample shifted right by 2).
const fn ulaw_from_14bit(v: i32) -> u8 {
    const CLIP: i32 = 8159;
    const BIAS: i32 = 0x21;
    let (mask, mut mag) = if v < 0 { (0x7F, -v) } else { (0xFF, v) };
    if mag > CLIP {
        mag = CLIP;
    }
    mag += BIAS;
    // Segment = position of the highest set bit above bit 5.
    let seg = if mag < 64 {
        0
    } else {
        (32 - (mag as u32).leading_zeros() - 6) as i32
    };
    if seg >= 8 {
        // Only -8192 (i.e. -32768 >> 2) gets here: the largest code.
        return 0x7F ^ mask;
    }
    let code = (seg << 4) | ((mag >> (seg + 1)) & 0xF);
    (code as u8) ^ mask
}

const fn alaw_to_linear(code: u8) -> i16 {
    let a = code ^ 0x55;
    let quant = (a & 0x0F) as i32;
    let seg = ((a & 0x70) >> 4) as i32;
    let mag = if seg == 0 {
        (quant << 4) + 8
    } else {
        ((quant << 4) + 0x108) << (seg - 1)
    };
    (if a & 0x80 != 0 { mag } else { -mag }) as i16
}

const fn ulaw_to_linear(code: u8) -> i16 {
    const BIAS: i32 = 0x84;
    let u = !code;
    let t = ((((u & 0x0F) as i32) << 3) + BIAS) << ((u & 0x70) >> 4);
    (if u & 0x80 != 0 { BIAS - t } else { t - BIAS }) as i16
}

const ALAW_ENCODE: [u8; 8192] = {
    let mut t = [0u8; 8192];
    let mut i = 0;
    while i < 8192 {
        // Index is the 13-bit value as unsigned; sign-extend it back.
        let v = if i >= 4096 { i as i32 - 8192 } else { i as i32 };
        t[i] = alaw_from_13bit(v);
        i += 1;
    }
    t
};

const ULAW_ENCODE: [u8; 16384] = {
    let mut t = [0u8; 16384];
    let mut i = 0;
    while i < 16384 {
        let v = if i >= 8192 {
            i as i32 - 16384
        } else {
            i as i32
        };
        t[i] = ulaw_from_14bit(v);
        i += 1;
    }
    t
};

/// A-law code → 16-bit linear sample.
pub const ALAW_DECODE: [i16; 256] = {
    let mut t = [0i16; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = alaw_to_linear(i as u8);
        i += 1;
    }
    t
};

/// µ-law code → 16-bit linear sample.
pub const ULAW_DECODE: [i16; 256] = {
    let mut t = [0i16; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = ulaw_to_linear(i as u8);
        i += 1;
    }
    t
};

/// A-law code → µ-law code (decode, re-encode).
pub const ALAW_TO_ULAW: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = ulaw_from_14bit((alaw_to_linear(i as u8) >> 2) as i32);
        i += 1;
    }
    t
};

/// µ-law code → A-law code (decode, re-encode).
pub const ULAW_TO_ALAW: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = alaw_from_13bit((ulaw_to_linear(i as u8) >> 3) as i32);
        i += 1;
    }
    t
};

/// A-law silence (the code of sample 0).
pub const ALAW_SILENCE: u8 = 0xD5;
/// µ-law silence (the code of sample 0).
pub const ULAW_SILENCE: u8 = 0xFF;

/// Encode one sample to A-law.
#[inline]
pub fn alaw_encode(sample: i16) -> u8 {
    ALAW_ENCODE[((sample >> 3) as u16 & 0x1FFF) as usize]
}

/// Encode one sample to µ-law.
#[inline]
pub fn ulaw_encode(sample: i16) -> u8 {
    ULAW_ENCODE[((sample >> 2) as u16 & 0x3FFF) as usize]
}

/// Decode one A-law code.
#[inline]
pub fn alaw_decode(code: u8) -> i16 {
    ALAW_DECODE[code as usize]
}

/// Decode one µ-law code.
#[inline]
pub fn ulaw_decode(code: u8) -> i16 {
    ULAW_DECODE[code as usize]
}

/// The two G.711 laws.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Law {
    /// A-law (PCMA, payload type 8), used on European trunks.
    A,
    /// µ-law (PCMU, payload type 0).
    Mu,
}

impl Law {
    /// Encode one sample.
    #[inline]
    pub fn encode(self, sample: i16) -> u8 {
        match self {
            Law::A => alaw_encode(sample),
            Law::Mu => ulaw_encode(sample),
        }
    }

    /// Decode one code.
    #[inline]
    pub fn decode(self, code: u8) -> i16 {
        match self {
            Law::A => alaw_decode(code),
            Law::Mu => ulaw_decode(code),
        }
    }

    /// The code of silence.
    pub const fn silence(self) -> u8 {
        match self {
            Law::A => ALAW_SILENCE,
            Law::Mu => ULAW_SILENCE,
        }
    }

    /// Encode `pcm` into `out` (`min(len)` samples); returns the count.
    pub fn encode_into(self, pcm: &[i16], out: &mut [u8]) -> usize {
        let n = pcm.len().min(out.len());
        for (o, s) in out.iter_mut().zip(pcm) {
            *o = self.encode(*s);
        }
        n
    }

    /// Decode `codes` into `out` (`min(len)` samples); returns the count.
    pub fn decode_into(self, codes: &[u8], out: &mut [i16]) -> usize {
        let n = codes.len().min(out.len());
        let table = match self {
            Law::A => &ALAW_DECODE,
            Law::Mu => &ULAW_DECODE,
        };
        for (o, c) in out.iter_mut().zip(codes) {
            *o = table[*c as usize];
        }
        n
    }

    /// Transcode codes of this law into `to` in place.
    pub fn transcode_in_place(self, to: Law, codes: &mut [u8]) {
        let table = match (self, to) {
            (Law::A, Law::Mu) => &ALAW_TO_ULAW,
            (Law::Mu, Law::A) => &ULAW_TO_ALAW,
            _ => return,
        };
        for c in codes {
            *c = table[*c as usize];
        }
    }

    /// The law of a codec (`None` for G.729).
    pub fn of(codec: centralino_model::Codec) -> Option<Law> {
        match codec {
            centralino_model::Codec::Pcma => Some(Law::A),
            centralino_model::Codec::Pcmu => Some(Law::Mu),
            centralino_model::Codec::G729 => None,
        }
    }
}
