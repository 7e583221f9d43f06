//! One scheduling step: match waiting work with free agents.
//!
//! Rules, in order:
//! 1. Work is served by priority, then oldest arrival first, across every
//!    queue that has a free agent (queues share agents).
//! 2. An agent of level `n` may take work that has waited `(n-1) ×
//!    tier_delay`; work that needs skills goes only to agents who have them
//!    until it has waited `skill_fallback`.
//! 3. Among the free agents allowed to take it, the lowest level wins, then
//!    the queue's strategy (longest idle, fewest calls, next in turn);
//!    `ring_all` rings every allowed free agent of that level.
//!
//! Cost: one pass over the lane heads (a handful per queue) per offer made,
//! plus a walk of the free set of the chosen queue; nothing scans all
//! waiting calls or all agents.

use crate::acd::Acd;
use crate::config::Strategy;
use crate::state::{free_key, AIdx, Phase, QIdx, Timer};
use crate::types::{Action, AgentState, Work};
use crate::validate::MAX_LEVEL;
use std::time::{Duration, Instant};

/// The highest level allowed to take work that has waited `age`.
fn max_level(age: Duration, tier_delay: Duration) -> u8 {
    if tier_delay.is_zero() {
        return MAX_LEVEL;
    }
    let steps = age.as_nanos() / tier_delay.as_nanos();
    u8::try_from(steps.saturating_add(1))
        .unwrap_or(MAX_LEVEL)
        .min(MAX_LEVEL)
}

impl Acd {
    /// Offer waiting work to free agents until no more match, then note when
    /// a tier or skill threshold will next open.
    pub(crate) fn dispatch(&mut self, now: Instant) {
        let mut heads = std::mem::take(&mut self.scratch);
        while self.free_agents > 0 {
            heads.clear();
            for (qi, q) in self.queues.iter().enumerate() {
                if q.free_count == 0 {
                    continue;
                }
                for ((prio, _), lane) in &q.lanes {
                    if let Some((order, work)) = lane.first_key_value() {
                        heads.push((*prio, *order, qi, *work));
                    }
                }
            }
            heads.sort_unstable();
            let found = heads
                .iter()
                .find_map(|&(_, _, qi, w)| self.pick(now, qi, w).map(|a| (w, a)));
            // A callback rings one agent at a time, whatever the strategy:
            // the engine calls the citizen for that agent.
            let found = found.map(|(w, mut agents)| {
                if matches!(w, Work::Callback(_)) {
                    agents.truncate(1);
                }
                (w, agents)
            });
            match found {
                Some((w, agents)) => self.start_offer(now, w, agents),
                None => break,
            }
        }
        self.scratch = heads;
        self.next_eligibility = self.next_threshold(now);
    }

    /// The free agents `w` should ring now (empty = none allowed).
    fn pick(&self, now: Instant, qi: QIdx, w: Work) -> Option<Vec<AIdx>> {
        let item = self.items.get(&w)?;
        let q = &self.queues[qi];
        let age = now.saturating_duration_since(item.order.0);
        let top = max_level(age, q.cfg.tier_delay);
        let any_skill = item.mask == 0 || age >= q.cfg.skill_fallback;
        let ok = |k: &&(u64, u64, u32)| {
            any_skill || self.agents[k.2 as usize].skills & item.mask == item.mask
        };
        for set in q.free.range(..=top).map(|(_, s)| s) {
            let chosen = match q.cfg.strategy {
                Strategy::RingAll => {
                    let all: Vec<AIdx> = set.iter().filter(ok).map(|k| k.2 as usize).collect();
                    if all.is_empty() {
                        None
                    } else {
                        Some(all)
                    }
                }
                Strategy::RoundRobin => {
                    let from = (q.rr_last.map_or(0, |p| u64::from(p) + 1), 0, 0);
                    set.range(from..)
                        .chain(set.range(..from))
                        .find(ok)
                        .map(|k| vec![k.2 as usize])
                }
                Strategy::LongestIdle | Strategy::FewestCalls => {
                    set.iter().find(ok).map(|k| vec![k.2 as usize])
                }
            };
            if chosen.is_some() {
                return chosen;
            }
        }
        None
    }

    /// Ring `agents` with `w`.
    fn start_offer(&mut self, now: Instant, w: Work, agents: Vec<AIdx>) {
        let Some(item) = self.items.get_mut(&w) else {
            return;
        };
        let qi = item.queue;
        let q = &mut self.queues[qi];
        q.lane_remove(item);
        item.phase = Phase::Ringing(agents.clone());
        let waited = now.saturating_duration_since(item.joined);
        let attempt = item.callback.as_ref().map(|c| c.attempts + 1);
        if matches!(w, Work::Call(_)) {
            q.ringing_calls += 1;
        }
        let ring_timeout = q.cfg.ring_timeout;
        let deadline = now + ring_timeout;
        if q.cfg.strategy == Strategy::RoundRobin {
            q.rr_last = agents
                .first()
                .and_then(|&a| self.agents[a].member(qi))
                .map(|m| m.pos);
        }
        let queue = q.cfg.id.clone();
        for a in agents {
            let ag = &mut self.agents[a];
            ag.state = AgentState::Offered;
            ag.state_since = now;
            ag.work = Some(w);
            ag.work_queue = Some(qi);
            ag.ring_gen += 1;
            ag.ring = Some((deadline, ag.ring_gen));
            let timer = Timer::Ring(a, ag.ring_gen);
            let agent = ag.id.clone();
            self.push_timer(deadline, timer);
            self.refresh_free(a);
            self.actions.push_back(match (w, attempt) {
                (Work::Callback(request), Some(attempt)) => Action::StartCallback {
                    request,
                    agent,
                    queue: queue.clone(),
                    attempt,
                    ring_timeout,
                },
                (Work::Callback(request), None) => Action::StartCallback {
                    request,
                    agent,
                    queue: queue.clone(),
                    attempt: 1,
                    ring_timeout,
                },
                (Work::Call(call), _) => Action::Offer {
                    call,
                    agent,
                    queue: queue.clone(),
                    ring_timeout,
                    waited,
                },
            });
            self.emit_agent(a);
        }
    }

    /// The next instant a lane head crosses a tier or skill threshold, when
    /// that could match it with an agent who is free now.
    fn next_threshold(&self, now: Instant) -> Option<Instant> {
        if self.free_agents == 0 {
            return None;
        }
        let mut next: Option<Instant> = None;
        for q in self.queues.iter().filter(|q| q.free_count > 0) {
            for ((_, mask), lane) in &q.lanes {
                let Some((&(arrived, _), _)) = lane.first_key_value() else {
                    continue;
                };
                let age = now.saturating_duration_since(arrived);
                let mut candidates = [None, None];
                if !q.cfg.tier_delay.is_zero() && max_level(age, q.cfg.tier_delay) < q.max_level {
                    let level = u32::from(max_level(age, q.cfg.tier_delay));
                    candidates[0] = Some(arrived + q.cfg.tier_delay * level);
                }
                if *mask != 0 && age < q.cfg.skill_fallback {
                    candidates[1] = Some(arrived + q.cfg.skill_fallback);
                }
                for t in candidates.into_iter().flatten().filter(|&t| t > now) {
                    next = Some(next.map_or(t, |n: Instant| n.min(t)));
                }
            }
        }
        next
    }

    /// Put an agent in (or take them out of) the free sets of their queues.
    pub(crate) fn refresh_free(&mut self, a: AIdx) {
        let should = self.agents[a].should_be_free();
        if should == self.agents[a].indexed {
            return;
        }
        let idle_ns = self.ns(self.agents[a].idle_since);
        let ag = &mut self.agents[a];
        ag.indexed = should;
        for m in &mut ag.members {
            let q = &mut self.queues[m.queue];
            if should {
                let key = free_key(q.cfg.strategy, m, idle_ns, a);
                q.free.entry(m.level).or_default().insert(key);
                q.free_count += 1;
                m.key = Some(key);
            } else if let Some(key) = m.key.take() {
                if let Some(set) = q.free.get_mut(&m.level) {
                    set.remove(&key);
                    if set.is_empty() {
                        q.free.remove(&m.level);
                    }
                }
                q.free_count -= 1;
            }
        }
        if should {
            self.free_agents += 1;
        } else {
            self.free_agents -= 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::max_level;
    use std::time::Duration;

    #[test]
    fn levels_open_one_tier_delay_apart() {
        let s = Duration::from_secs;
        assert_eq!(max_level(s(0), s(30)), 1);
        assert_eq!(max_level(s(29), s(30)), 1);
        assert_eq!(max_level(s(30), s(30)), 2);
        assert_eq!(max_level(s(61), s(30)), 3);
        assert_eq!(max_level(s(100_000), s(30)), 9);
        assert_eq!(max_level(s(0), s(0)), 9);
    }
}
