//! `MediaSession`'s methods.

use super::*;

impl MediaSession {
    /// Catch-up limit: when the server is more than this many ticks late,
    /// the older ticks are skipped (their audio is dropped, the player and
    /// the timestamps still advance) instead of sent in a burst.
    pub const MAX_CATCH_UP: u64 = 5;

    /// A session created at `now`. Its first packet goes out on the first
    /// grid tick after `now`.
    pub fn new(now: Instant, config: SessionConfig) -> Self {
        let grid = config.grid;
        MediaSession {
            grid,
            params: config.stream,
            latch: config.latch,
            latched: false,
            silence_when_idle: config.silence_when_idle,
            outbound: Outbound::new(
                config.ssrc,
                config.initial_sequence,
                config.initial_timestamp,
                &grid,
                now,
            ),
            next_tick: grid.tick_index(now) + 1,
            marker_pending: true,
            player: Player::default(),
            dtmf_out: None,
            dtmf_queue: VecDeque::new(),
            relay: None,
            rx: RxTracker::new(now),
            rx_stats: ReceiveStats::default(),
            dtmf_in: DtmfReceiver::new(),
            inactivity_timeout: config.inactivity_timeout,
            last_rx: now,
            inactivity_reported: false,
            recorder: None,
            events: VecDeque::with_capacity(16),
        }
    }

    /// What is negotiated now.
    pub fn params(&self) -> &StreamParams {
        &self.params
    }

    /// Where packets go (the latched source with symmetric RTP).
    pub fn destination(&self) -> Option<SocketAddr> {
        self.params.remote
    }

    /// Our SSRC.
    pub fn ssrc(&self) -> u32 {
        self.outbound.ssrc
    }

    /// Apply a renegotiation (re-INVITE: hold, unhold, new address or
    /// codec). A new remote address re-arms latching; resuming reception
    /// restarts the inactivity clock. The player keeps its place and plays
    /// the new codec's frames. A recording in progress continues in the new
    /// codec only if it can decode it (G.711, or G.729 when it was started
    /// with a G.729 codec). An active relay keeps its transcoding: call
    /// [`start_relay`](Self::start_relay) again after a codec change.
    pub fn update(&mut self, now: Instant, params: StreamParams) {
        if params.remote != self.params.remote {
            self.latched = false;
        }
        if params.receive && !self.params.receive {
            self.last_rx = now;
            self.inactivity_reported = false;
        }
        if let Some(r) = &mut self.recorder {
            r.set_codec(params.codec, None);
        }
        self.params = params;
    }

    /// Change the inactivity timeout (`None` disables it, e.g. while the
    /// peer holds the call and may send nothing).
    pub fn set_inactivity_timeout(&mut self, now: Instant, timeout: Option<Duration>) {
        self.inactivity_timeout = timeout;
        self.last_rx = now;
        self.inactivity_reported = false;
    }

    // ---- player -------------------------------------------------------

    /// Queue `items` after whatever is queued; `token` is reported in
    /// [`MediaEvent::PlaybackFinished`] when they have played out (never,
    /// if they include a [`PlayItem::Loop`]).
    pub fn play(&mut self, items: impl IntoIterator<Item = PlayItem>, token: PlayToken) {
        self.player.enqueue(items, token);
    }

    /// Stop playing and drop the queue; no tokens are reported for it.
    pub fn stop(&mut self) {
        self.player.stop();
    }

    /// Whether nothing is queued or playing.
    pub fn is_idle(&self) -> bool {
        self.player.is_idle() && self.dtmf_out.is_none() && self.dtmf_queue.is_empty()
    }

    /// Send a key press as RFC 4733 events (queued after any press in
    /// progress). Audio is paused while events are sent.
    pub fn send_dtmf(&mut self, digit: DtmfDigit, duration: Duration) -> Result<(), SessionError> {
        if self.params.telephone_event_pt.is_none() {
            return Err(SessionError::NoTelephoneEvent);
        }
        self.dtmf_queue.push_back((digit, duration));
        Ok(())
    }

    /// Produce the packet for the next grid tick at or before `now`, if
    /// any. Call on every grid tick **until it returns `None`**: one packet
    /// normally, several when catching up after a late tick (at most
    /// [`MAX_CATCH_UP`](Self::MAX_CATCH_UP)). `out` must hold 12 + 160 bytes.
    pub fn on_tick(&mut self, now: Instant, out: &mut [u8]) -> Option<Transmit> {
        let current = self.grid.tick_index(now);
        while self.next_tick <= current {
            let behind = current - self.next_tick;
            if behind >= Self::MAX_CATCH_UP {
                let skip = behind + 1 - Self::MAX_CATCH_UP;
                for _ in 0..skip {
                    self.advance_silently();
                }
                self.next_tick += skip;
                self.outbound.stats.skipped_ticks += skip;
                self.marker_pending = true;
                continue;
            }
            let k = self.next_tick;
            self.next_tick += 1;
            if let Some(t) = self.tick(k, out) {
                return Some(t);
            }
        }
        None
    }

    fn advance_silently(&mut self) {
        if self.relay.is_some() {
            return;
        }
        if let Some(s) = &mut self.dtmf_out {
            let _ = s.next_packet();
            if s.is_done() {
                self.dtmf_out = None;
            }
        }
        let events = &mut self.events;
        let _ = self.player.next(self.params.codec, &mut |token| {
            events.push_back(MediaEvent::PlaybackFinished { token })
        });
    }

    fn tick(&mut self, k: u64, out: &mut [u8]) -> Option<Transmit> {
        if self.relay.is_some() {
            return None;
        }
        let ts = self.outbound.ts_for_tick(k);
        let destination = self.params.remote.filter(|_| self.params.send);
        if self.dtmf_out.is_none() {
            if let Some((digit, duration)) = self.dtmf_queue.pop_front() {
                self.dtmf_out = Some(DtmfSender::new(digit, duration, ts));
            }
        }
        let Self {
            player,
            events,
            params,
            outbound,
            dtmf_out,
            marker_pending,
            silence_when_idle,
            ..
        } = self;
        let output = player.next(params.codec, &mut |token| {
            events.push_back(MediaEvent::PlaybackFinished { token })
        });
        if let Some(sender) = dtmf_out {
            let packet = sender.next_packet();
            if sender.is_done() {
                *dtmf_out = None;
            }
            let (Some(p), Some(dest), Some(pt)) = (packet, destination, params.telephone_event_pt)
            else {
                *marker_pending = true;
                return None;
            };
            let len = outbound
                .write(p.marker, pt, p.timestamp, &p.event.to_bytes(), out)
                .ok()?;
            *marker_pending = true;
            return Some(Transmit {
                destination: dest,
                len,
            });
        }
        let (payload, marker): (&[u8], bool) = match (output, Law::of(params.codec)) {
            (Output::Frame { payload, start }, _) => (payload, start),
            (Output::Silence | Output::Idle, Some(law)) if *silence_when_idle => (
                if law == Law::A {
                    &SILENCE_A
                } else {
                    &SILENCE_U
                },
                false,
            ),
            _ => {
                *marker_pending = true;
                return None;
            }
        };
        let Some(dest) = destination else {
            *marker_pending = true;
            return None;
        };
        let len = outbound
            .write(
                marker || *marker_pending,
                params.payload_type,
                ts,
                payload,
                out,
            )
            .ok()?;
        *marker_pending = false;
        Some(Transmit {
            destination: dest,
            len,
        })
    }

    // ---- receive ------------------------------------------------------

    /// Take a datagram received on this leg's socket.
    pub fn handle_rtp<'a>(
        &mut self,
        now: Instant,
        source: SocketAddr,
        bytes: &'a [u8],
    ) -> Received<'a> {
        let packet = match RtpPacket::parse(bytes) {
            Ok(p) => p,
            Err(e) => {
                self.rx_stats.malformed += 1;
                return Received::Dropped(DropReason::Malformed(e));
            }
        };
        if !self.params.receive {
            self.rx_stats.not_receiving += 1;
            return Received::Dropped(DropReason::NotReceiving);
        }
        if self.latch && !self.latched {
            self.params.remote = Some(source);
            self.latched = true;
        } else if self.params.remote != Some(source) {
            self.rx_stats.wrong_source += 1;
            return Received::Dropped(DropReason::WrongSource { source });
        }
        self.last_rx = now;
        self.inactivity_reported = false;
        let pt = packet.payload_type;
        let is_audio = pt == self.params.payload_type;
        self.rx.update(now, &packet, is_audio, &mut self.rx_stats);
        if is_audio {
            if let Some(rec) = &mut self.recorder {
                let fed = rec.feed(now, packet.timestamp, packet.payload);
                if fed.voice_started {
                    self.events.push_back(MediaEvent::VoiceStarted);
                }
                if fed.full {
                    self.events.push_back(MediaEvent::RecordingFull {
                        duration: rec.duration(),
                    });
                }
            }
            return Received::Audio(packet);
        }
        if Some(pt) == self.params.telephone_event_pt {
            let event = match TelephoneEvent::parse(packet.payload) {
                Ok(e) => e,
                Err(e) => return Received::Dropped(DropReason::BadTelephoneEvent(e)),
            };
            for press in self.dtmf_in.receive(now, packet.timestamp, event) {
                self.events.push_back(MediaEvent::Dtmf {
                    digit: press.digit,
                    duration: press.duration,
                });
            }
            return Received::TelephoneEvent { packet, event };
        }
        self.rx_stats.unexpected_payload_type += 1;
        Received::Dropped(DropReason::UnexpectedPayloadType { payload_type: pt })
    }

    /// What was received so far.
    pub fn receive_stats(&self) -> &ReceiveStats {
        &self.rx_stats
    }

    /// What was sent so far.
    pub fn send_stats(&self) -> SendStats {
        SendStats {
            missing_codec_frames: self.player.missing_frames,
            ..self.outbound.stats
        }
    }

    // ---- relay --------------------------------------------------------

    /// Start relaying into this leg packets received on another leg that
    /// sends `source`. The player is frozen (ticks send nothing) until
    /// [`stop_relay`](Self::stop_relay). Fails when G.729↔G.711
    /// transcoding is needed without a G.729 codec.
    pub fn start_relay(
        &mut self,
        source: RelaySource,
        g729: Option<&dyn G729Provider>,
    ) -> Result<(), SessionError> {
        self.relay = Some(Relay::new(source, self.params.codec, g729)?);
        Ok(())
    }

    /// Stop relaying; the player resumes, timestamps continue forward.
    pub fn stop_relay(&mut self) {
        self.relay = None;
        self.marker_pending = true;
    }

    /// Whether a relay is active.
    pub fn is_relaying(&self) -> bool {
        self.relay.is_some()
    }

    /// Rewrite a packet received on the other leg into this leg's stream
    /// (see [`crate::relay`]); `None` when it is dropped, not relaying, or
    /// not sending.
    pub fn relay(
        &mut self,
        now: Instant,
        packet: &RtpPacket<'_>,
        out: &mut [u8],
    ) -> Option<Transmit> {
        let destination = self.params.remote.filter(|_| self.params.send)?;
        let relay = self.relay.as_mut()?;
        let target = Target {
            outbound: &mut self.outbound,
            payload_type: self.params.payload_type,
            telephone_event_pt: self.params.telephone_event_pt,
            grid: &self.grid,
            now,
        };
        match relay.forward(packet, target, out) {
            Some(len) => {
                self.outbound.stats.relayed += 1;
                Some(Transmit { destination, len })
            }
            None => {
                self.outbound.stats.relay_dropped += 1;
                None
            }
        }
    }

    // ---- recorder -----------------------------------------------------

    /// Start recording received audio (voicemail). A G.729 leg needs a
    /// G.729 codec to decode.
    pub fn start_recording(
        &mut self,
        now: Instant,
        config: RecordConfig,
        g729: Option<&dyn G729Provider>,
    ) -> Result<(), SessionError> {
        let decoder = match (self.params.codec, g729) {
            (Codec::G729, None) => return Err(SessionError::G729Unavailable),
            (Codec::G729, Some(p)) => Some(p.decoder()),
            _ => None,
        };
        self.recorder = Some(Recorder::new(now, config, self.params.codec, decoder));
        Ok(())
    }

    /// Stop recording and take the PCM (8 kHz mono), if recording.
    pub fn stop_recording(&mut self) -> Option<Vec<i16>> {
        self.recorder.take().map(Recorder::into_pcm)
    }

    /// Length recorded so far.
    pub fn recording_duration(&self) -> Option<Duration> {
        self.recorder.as_ref().map(Recorder::duration)
    }

    // ---- events and timers -------------------------------------------

    /// The next event, if any. Drain after every call.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<MediaEvent> {
        self.events.pop_front()
    }

    fn inactivity_deadline(&self) -> Option<Instant> {
        if !self.params.receive || self.inactivity_reported {
            return None;
        }
        Some(self.last_rx + self.inactivity_timeout?)
    }

    /// The earliest deadline: inactivity, an unfinished key press, the
    /// recorder's silence timeout. Grid ticks are not included.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        [
            self.inactivity_deadline(),
            self.dtmf_in.poll_timeout(),
            self.recorder.as_ref().and_then(Recorder::poll_timeout),
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// Fire the deadlines that have passed (early calls are harmless).
    pub fn handle_timeout(&mut self, now: Instant) {
        if self.inactivity_deadline().is_some_and(|d| now >= d) {
            self.inactivity_reported = true;
            self.events.push_back(MediaEvent::InactivityTimeout {
                silent_for: now.saturating_duration_since(self.last_rx),
            });
        }
        if let Some(press) = self.dtmf_in.handle_timeout(now) {
            self.events.push_back(MediaEvent::Dtmf {
                digit: press.digit,
                duration: press.duration,
            });
        }
        if let Some(duration) = self.recorder.as_mut().and_then(|r| r.handle_timeout(now)) {
            self.events.push_back(MediaEvent::Silence { duration });
        }
    }
}
