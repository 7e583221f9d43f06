//! The service hours in words, for prompts and documents: "dal lunedì al
//! venerdì dalle 8 alle 17, esclusi i giorni festivi" / "Monday to Friday
//! from 8 am to 5 pm, except public holidays". Written to read well when
//! spoken by a speech synthesiser.

use crate::calendar::Calendar;
use crate::dates::HolidayRule;
use crate::days::{weekday_from_index, TimeRange, MINUTES_PER_DAY};
use chrono::Weekday;

const IT_DAYS: [&str; 7] = [
    "lunedì",
    "martedì",
    "mercoledì",
    "giovedì",
    "venerdì",
    "sabato",
    "domenica",
];
const EN_DAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

impl Calendar {
    /// The weekly hours in words, in Italian when `language` starts with
    /// `it` and in English otherwise. Closures and open days are not
    /// described; the holiday rule is.
    pub fn describe(&self, language: impl AsRef<str>) -> String {
        let it = language.as_ref().to_ascii_lowercase().starts_with("it");
        let groups = self.day_groups();
        let mut parts: Vec<String> = Vec::new();
        for (first, last, ranges) in &groups {
            let whole_week = *first == 0 && *last == 6;
            let days = if it {
                it_days(*first, *last, whole_week)
            } else {
                en_days(*first, *last, whole_week)
            };
            let full_day = ranges.len() == 1
                && ranges[0].start_minutes() == 0
                && ranges[0].end_minutes() == MINUTES_PER_DAY;
            let hours = if full_day {
                (if it { "24 ore su 24" } else { "24 hours a day" }).to_string()
            } else {
                let each: Vec<String> = ranges
                    .iter()
                    .map(|r| if it { it_range(*r) } else { en_range(*r) })
                    .collect();
                each.join(if it { " e " } else { " and " })
            };
            parts.push(if full_day {
                format!("{days}, {hours}")
            } else {
                format!("{days} {hours}")
            });
        }
        let mut out = parts.join(", ");
        if self.holiday_rule() == HolidayRule::Italy {
            out.push_str(if it {
                ", esclusi i giorni festivi"
            } else {
                ", except public holidays"
            });
        }
        out
    }

    /// Runs of consecutive weekdays (Monday first) sharing the same
    /// non-empty windows.
    fn day_groups(&self) -> Vec<(u8, u8, Vec<TimeRange>)> {
        let mut groups: Vec<(u8, u8, Vec<TimeRange>)> = Vec::new();
        for i in 0u8..7 {
            let ranges = self.hours().on(weekday_from_index(i));
            if ranges.is_empty() {
                continue;
            }
            match groups.last_mut() {
                Some((_, last, r)) if *last + 1 == i && r.as_slice() == ranges => *last = i,
                _ => groups.push((i, i, ranges.to_vec())),
            }
        }
        groups
    }
}

fn it_article(day: u8, with: &str) -> String {
    // "il lunedì", "la domenica"; "dal lunedì", "dalla domenica"; "al"/"alla".
    let feminine = weekday_from_index(day) == Weekday::Sun;
    let art = match (with, feminine) {
        ("da", false) => "dal",
        ("da", true) => "dalla",
        ("a", false) => "al",
        ("a", true) => "alla",
        (_, false) => "il",
        (_, true) => "la",
    };
    format!("{art} {}", IT_DAYS[day as usize])
}

fn it_days(first: u8, last: u8, whole_week: bool) -> String {
    if whole_week {
        return "tutti i giorni".into();
    }
    match last - first {
        0 => it_article(first, ""),
        1 => format!("{} e {}", it_article(first, ""), it_article(last, "")),
        _ => format!("{} {}", it_article(first, "da"), it_article(last, "a")),
    }
}

fn en_days(first: u8, last: u8, whole_week: bool) -> String {
    if whole_week {
        return "every day".into();
    }
    match last - first {
        0 => EN_DAYS[first as usize].to_string(),
        1 => format!("{} and {}", EN_DAYS[first as usize], EN_DAYS[last as usize]),
        _ => format!("{} to {}", EN_DAYS[first as usize], EN_DAYS[last as usize]),
    }
}

/// "dalle 8 alle 17", "dall'una alle 14:30", "da mezzanotte alle 6".
fn it_range(r: TimeRange) -> String {
    format!(
        "{} {}",
        it_time(r.start_minutes(), "da"),
        it_time(r.end_minutes(), "a")
    )
}

fn it_time(m: u16, prep: &str) -> String {
    let (h, min) = (m / 60, m % 60);
    let clock = if min == 0 {
        format!("{h}")
    } else {
        format!("{h}:{min:02}")
    };
    match h {
        0 | 24 if min == 0 => format!("{prep} mezzanotte"),
        1 => format!(
            "{prep}ll'{}",
            if min == 0 { "una".to_string() } else { clock }
        ),
        _ => format!("{prep}lle {clock}"),
    }
}

/// "from 8 am to 5 pm".
fn en_range(r: TimeRange) -> String {
    format!(
        "from {} to {}",
        en_time(r.start_minutes()),
        en_time(r.end_minutes())
    )
}

fn en_time(m: u16) -> String {
    let (h, min) = (m / 60, m % 60);
    if min == 0 && (h == 0 || h == 24) {
        return "midnight".into();
    }
    if min == 0 && h == 12 {
        return "12 noon".into();
    }
    let suffix = if h < 12 || h == 24 { "am" } else { "pm" };
    let h12 = match h % 12 {
        0 => 12,
        x => x,
    };
    if min == 0 {
        format!("{h12} {suffix}")
    } else {
        format!("{h12}:{min:02} {suffix}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_read_well() {
        assert_eq!(it_time(480, "da"), "dalle 8");
        assert_eq!(it_time(60, "da"), "dall'una");
        assert_eq!(it_time(90, "a"), "all'1:30");
        assert_eq!(it_time(0, "da"), "da mezzanotte");
        assert_eq!(it_time(1440, "a"), "a mezzanotte");
        assert_eq!(it_time(1050, "a"), "alle 17:30");
        assert_eq!(en_time(480), "8 am");
        assert_eq!(en_time(1020), "5 pm");
        assert_eq!(en_time(720), "12 noon");
        assert_eq!(en_time(750), "12:30 pm");
        assert_eq!(en_time(30), "12:30 am");
        assert_eq!(en_time(1440), "midnight");
    }

    #[test]
    fn day_runs() {
        assert_eq!(it_days(0, 4, false), "dal lunedì al venerdì");
        assert_eq!(it_days(5, 6, false), "il sabato e la domenica");
        assert_eq!(it_days(2, 6, false), "dal mercoledì alla domenica");
        assert_eq!(en_days(0, 4, false), "Monday to Friday");
        assert_eq!(en_days(5, 5, false), "Saturday");
    }
}
