//! The send-side player: a queue of items, each list of items followed by
//! the token reported when it has played out.

use crate::prompt::Prompt;
use centralino_model::Codec;
use std::collections::VecDeque;
use std::time::Duration;

/// Reported in [`crate::MediaEvent::PlaybackFinished`] when the items queued
/// with it have all played.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PlayToken(pub u64);

/// One thing to play.
#[derive(Debug, Clone)]
pub enum PlayItem {
    /// A prompt, once. Its first packet carries the marker bit.
    Prompt(Prompt),
    /// Silence (rounded up to 20 ms).
    Silence(Duration),
    /// A prompt repeated until [`crate::MediaSession::stop`] (music on
    /// hold). Items after it in the queue never play; its list's token
    /// is never reported.
    Loop(Prompt),
}

#[derive(Debug, Clone)]
enum Entry {
    Item(PlayItem),
    Token(PlayToken),
}

#[derive(Debug, Clone)]
enum Cursor {
    Prompt {
        prompt: Prompt,
        next: usize,
        looping: bool,
    },
    Silence {
        left: u64,
    },
}

/// What the player has for one 20 ms tick.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Output<'a> {
    /// A frame of the session's codec; `start` on a prompt's first frame.
    Frame { payload: &'a [u8], start: bool },
    /// Playing silence (a silence item, or a prompt without frames for
    /// this codec).
    Silence,
    /// Nothing queued.
    Idle,
}

/// A queue of play lists.
#[derive(Debug, Clone, Default)]
pub(crate) struct Player {
    queue: VecDeque<Entry>,
    cursor: Option<Cursor>,
    /// Frames the codec could not be played from (G.729 without frames).
    pub(crate) missing_frames: u64,
}

impl Player {
    pub(crate) fn enqueue(&mut self, items: impl IntoIterator<Item = PlayItem>, token: PlayToken) {
        self.queue.extend(items.into_iter().map(Entry::Item));
        self.queue.push_back(Entry::Token(token));
    }

    pub(crate) fn stop(&mut self) {
        self.queue.clear();
        self.cursor = None;
    }

    pub(crate) fn is_idle(&self) -> bool {
        self.cursor.is_none() && self.queue.is_empty()
    }

    /// Advance by one tick. Tokens of lists that completed before this
    /// tick's frame go to `finished`.
    pub(crate) fn next(
        &mut self,
        codec: Codec,
        finished: &mut impl FnMut(PlayToken),
    ) -> Output<'_> {
        // Find the item that plays this tick, reporting tokens passed on the way.
        loop {
            if let Some(c) = &self.cursor {
                let exhausted = match c {
                    Cursor::Prompt {
                        prompt,
                        next,
                        looping,
                    } => !*looping && *next >= prompt.frame_count(),
                    Cursor::Silence { left } => *left == 0,
                };
                if !exhausted {
                    break;
                }
                self.cursor = None;
            }
            match self.queue.pop_front() {
                None => return Output::Idle,
                Some(Entry::Token(t)) => finished(t),
                Some(Entry::Item(PlayItem::Prompt(p))) => {
                    self.cursor = Some(Cursor::Prompt {
                        prompt: p,
                        next: 0,
                        looping: false,
                    })
                }
                Some(Entry::Item(PlayItem::Loop(p))) => {
                    self.cursor = Some(if p.frame_count() == 0 {
                        Cursor::Silence { left: u64::MAX }
                    } else {
                        Cursor::Prompt {
                            prompt: p,
                            next: 0,
                            looping: true,
                        }
                    })
                }
                Some(Entry::Item(PlayItem::Silence(d))) => {
                    let left = (d.as_micros() as u64).div_ceil(20_000);
                    self.cursor = Some(Cursor::Silence { left });
                }
            }
        }
        match &mut self.cursor {
            Some(Cursor::Prompt {
                prompt,
                next,
                looping,
            }) => {
                if *looping && *next >= prompt.frame_count() {
                    *next = 0;
                }
                let index = *next;
                *next += 1;
                match prompt.frame(codec, index) {
                    Some(payload) => Output::Frame {
                        payload,
                        start: index == 0,
                    },
                    None => {
                        self.missing_frames += 1;
                        Output::Silence
                    }
                }
            }
            Some(Cursor::Silence { left }) => {
                *left -= 1;
                Output::Silence
            }
            None => Output::Idle,
        }
    }
}
