//! Call events, CDRs and the tenders' SLA reports, pure.
