//! The chart (`centralino sla --chart`): one SVG per service with the
//! time-of-day curve, offered / answered / abandoned calls per half-hour on
//! top and the average wait of answered calls below.

use crate::sla::report::{CurvePoint, ServiceReport};
use crate::Error;
use plotters::prelude::*;

fn err<E: std::fmt::Display>(e: E) -> Error {
    Error::Chart {
        reason: e.to_string(),
    }
}

/// How one line of the chart reads a curve point.
type Getter = fn(&CurvePoint) -> u64;

fn hhmm(i: &i32) -> String {
    format!("{:02}:{:02}", i / 2, (i % 2) * 30)
}

/// One service's chart as an SVG document.
pub fn svg_chart(service: &ServiceReport) -> Result<String, Error> {
    let curve = service.daily_curve();
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, (960, 640)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let (top, bottom) = root.split_vertically(400);

        let max_calls = curve.iter().map(|p| p.offered).max().unwrap_or(0).max(1) as f64;
        let mut calls = ChartBuilder::on(&top)
            .caption(
                format!(
                    "{} — calls per half-hour ({} – {})",
                    service.service,
                    service.start.date_naive(),
                    service
                        .end
                        .checked_sub_signed(chrono::TimeDelta::milliseconds(1))
                        .unwrap_or(service.end)
                        .date_naive()
                ),
                ("sans-serif", 18),
            )
            .margin(12)
            .x_label_area_size(30)
            .y_label_area_size(50)
            .build_cartesian_2d(0i32..48i32, 0f64..max_calls * 1.1)
            .map_err(err)?;
        calls
            .configure_mesh()
            .x_labels(13)
            .x_label_formatter(&hhmm)
            .y_desc("calls")
            .draw()
            .map_err(err)?;
        let series: [(&str, RGBColor, Getter); 3] = [
            ("offered", BLUE, |p| p.offered),
            ("answered", GREEN, |p| p.answered),
            ("abandoned", RED, |p| p.abandoned),
        ];
        for (name, color, get) in series {
            calls
                .draw_series(LineSeries::new(
                    curve
                        .iter()
                        .enumerate()
                        .map(|(i, p)| (i as i32, get(p) as f64)),
                    color.stroke_width(2),
                ))
                .map_err(err)?
                .label(name)
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 18, y)], color.stroke_width(2))
                });
        }
        calls
            .configure_series_labels()
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .draw()
            .map_err(err)?;

        let max_wait = curve
            .iter()
            .filter_map(|p| p.avg_wait_s)
            .fold(0.0f64, f64::max)
            .max(1.0);
        let mut wait = ChartBuilder::on(&bottom)
            .caption("average wait of answered calls (s)", ("sans-serif", 16))
            .margin(12)
            .x_label_area_size(30)
            .y_label_area_size(50)
            .build_cartesian_2d(0i32..48i32, 0f64..max_wait * 1.1)
            .map_err(err)?;
        wait.configure_mesh()
            .x_labels(13)
            .x_label_formatter(&hhmm)
            .y_desc("seconds")
            .draw()
            .map_err(err)?;
        wait.draw_series(LineSeries::new(
            curve
                .iter()
                .enumerate()
                .filter_map(|(i, p)| p.avg_wait_s.map(|w| (i as i32, w))),
            MAGENTA.stroke_width(2),
        ))
        .map_err(err)?;
        root.present().map_err(err)?;
    }
    Ok(out)
}
