//! ACD: queues, agents, strategies, tiers, skills, wrap-up, sans-IO.
