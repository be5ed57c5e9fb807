//! The period report as Markdown (for the audit file), CSV (one row per exception) and a
//! self-contained HTML page with SVG charts (no script, no network fetch).

use super::period::PeriodReport;
use crate::emit::html::escape;
use crate::emit::readable::{day_ranges, time};
use std::fmt::Write;

impl PeriodReport {
    /// The report as Markdown, for the audit file.
    pub fn markdown(&self) -> String {
        let mut out = format!(
            "# {} evidence, {} to {}\n\n{} runs in the period; {} days without a run (evidence gaps){}\n\n",
            self.framework,
            self.from,
            self.to,
            self.runs,
            self.evidence_gaps.len(),
            if self.evidence_gaps.is_empty() {
                String::new()
            } else {
                format!(": {}", day_ranges(&self.evidence_gaps))
            }
        );
        let s = &self.summary;
        let _ = writeln!(
            out,
            "{} requirements with automated evidence, {} of them passing in every run; {} exceptions, {} still open at the end of the period\n",
            s.requirements_evidenced, s.requirements_always_passed, s.exceptions, s.open_at_end
        );
        out.push_str("| requirement | population | passed | pass rate | exceptions |\n| --- | ---: | ---: | ---: | ---: |\n");
        for r in self.requirements.iter().filter(|r| r.population > 0) {
            let _ = writeln!(
                out,
                "| {} {} | {} | {} | {} | {} |",
                r.id,
                r.title,
                r.population,
                r.passed,
                r.pass_rate
                    .map_or("-".to_owned(), |p| format!("{:.1}%", p * 100.0)),
                r.exceptions.len()
            );
        }
        out.push_str("\n## Exceptions\n\n| requirement | check | resource | severity | first seen FAIL | resolved | hours | suppressed by |\n| --- | --- | --- | --- | --- | --- | ---: | --- |\n");
        for r in &self.requirements {
            for e in &r.exceptions {
                let _ = writeln!(
                    out,
                    "| {} | {} | {} | {} | {} | {} | {} | {} |",
                    r.id,
                    e.check_id,
                    e.resource_arn,
                    e.severity,
                    time(e.first_seen_fail),
                    e.resolved_at.map_or("open".to_owned(), time),
                    e.duration_hours.map_or("-".to_owned(), |h| h.to_string()),
                    e.suppressed_by.as_deref().unwrap_or("")
                );
            }
        }
        out.push_str("\n## Time to remediate\n\n| severity | resolved | median hours | p90 hours |\n| --- | ---: | ---: | ---: |\n");
        for (severity, t) in &self.time_to_remediate {
            let _ = writeln!(
                out,
                "| {severity} | {} | {} | {} |",
                t.resolved, t.median_hours, t.p90_hours
            );
        }
        out
    }

    /// One row per exception, for spreadsheets.
    pub fn csv(&self) -> Result<String, csv::Error> {
        let mut out = csv::Writer::from_writer(Vec::new());
        out.write_record([
            "requirement",
            "check",
            "resource",
            "severity",
            "first_seen_fail",
            "resolved_at",
            "duration_hours",
            "suppressed_by",
        ])?;
        for r in &self.requirements {
            for e in &r.exceptions {
                out.write_record([
                    r.id.as_str(),
                    &e.check_id,
                    &e.resource_arn,
                    &e.severity,
                    &e.first_seen_fail.to_rfc3339(),
                    &e.resolved_at.map(|t| t.to_rfc3339()).unwrap_or_default(),
                    &e.duration_hours.map(|h| h.to_string()).unwrap_or_default(),
                    e.suppressed_by.as_deref().unwrap_or(""),
                ])?;
            }
        }
        let bytes = out.into_inner().map_err(|e| e.into_error())?;
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    }

    /// The share of evidenced requirements passing in each run, as an SVG line chart.
    fn pass_rate_chart(&self) -> String {
        let (width, height, pad) = (720.0, 220.0, 36.0);
        // Runs placed by time across the period, so that days without a run show as gaps.
        let start = self.from.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
        let span = ((self.to - self.from).num_seconds() + 86_400).max(1) as f64;
        let points: Vec<(f64, f64)> = self
            .per_run
            .iter()
            .filter(|p| p.evidenced > 0)
            .map(|p| {
                let at = (p.started_at - start).num_seconds() as f64 / span;
                let x = pad + (width - 2.0 * pad) * at.clamp(0.0, 1.0);
                let rate = p.passed as f64 / p.evidenced as f64;
                (x, height - pad - (height - 2.0 * pad) * rate)
            })
            .collect();
        let mut svg = format!(
            r#"<svg id="pass-rate" role="img" aria-label="Requirements passing per run" viewBox="0 0 {width} {height}" width="100%" preserveAspectRatio="xMinYMin meet"><line x1="{pad}" y1="{pad}" x2="{pad}" y2="{}" class="axis"/><line x1="{pad}" y1="{}" x2="{}" y2="{}" class="axis"/><text x="4" y="{}">100%</text><text x="4" y="{}">0%</text><text x="{pad}" y="{}">{}</text><text x="{}" y="{}" text-anchor="end">{}</text>"#,
            height - pad,
            height - pad,
            width - pad,
            height - pad,
            pad + 4.0,
            height - pad,
            height - pad / 3.0,
            self.from,
            width - pad,
            height - pad / 3.0,
            self.to
        );
        let path: Vec<String> = points
            .iter()
            .map(|(x, y)| format!("{x:.1},{y:.1}"))
            .collect();
        let _ = write!(
            svg,
            r#"<polyline class="rate" points="{}"/>"#,
            path.join(" ")
        );
        for (x, y) in &points {
            let _ = write!(
                svg,
                r#"<circle class="run" cx="{x:.1}" cy="{y:.1}" r="3"/>"#
            );
        }
        svg.push_str("</svg>");
        svg
    }

    /// Exceptions open per week, as an SVG bar chart.
    fn exceptions_chart(&self) -> String {
        let (width, height, pad) = (720.0, 220.0, 36.0);
        let weeks = self.open_exceptions_by_week.len().max(1);
        let most = self
            .open_exceptions_by_week
            .values()
            .copied()
            .max()
            .unwrap_or(0)
            .max(1);
        let slot = (width - 2.0 * pad) / weeks as f64;
        let mut svg = format!(
            r#"<svg id="open-exceptions" role="img" aria-label="Exceptions open per week" viewBox="0 0 {width} {height}" width="100%" preserveAspectRatio="xMinYMin meet"><line x1="{pad}" y1="{}" x2="{}" y2="{}" class="axis"/><text x="4" y="{}">{most}</text>"#,
            height - pad,
            width - pad,
            height - pad,
            pad + 4.0
        );
        for (i, (week, open)) in self.open_exceptions_by_week.iter().enumerate() {
            let bar = (height - 2.0 * pad) * *open as f64 / most as f64;
            let _ = write!(
                svg,
                r#"<rect class="week" x="{:.1}" y="{:.1}" width="{:.1}" height="{bar:.1}"><title>week of {week}: {open}</title></rect><text x="{:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
                pad + slot * i as f64 + 1.0,
                height - pad - bar,
                (slot - 2.0).max(1.0),
                pad + slot * (i as f64 + 0.5),
                height - pad / 3.0,
                week.format("%b %d")
            );
        }
        svg.push_str("</svg>");
        svg
    }

    /// A self-contained page: summary, two charts, the requirement table and the exceptions.
    pub fn html(&self) -> String {
        let mut rows = String::new();
        for r in self.requirements.iter().filter(|r| r.population > 0) {
            let _ = write!(
                rows,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(&r.id),
                escape(&r.title),
                r.population,
                r.passed,
                r.pass_rate
                    .map_or("-".to_owned(), |p| format!("{:.1}%", p * 100.0)),
                r.exceptions.len()
            );
        }
        let mut exceptions = String::new();
        for r in &self.requirements {
            for e in &r.exceptions {
                let _ = write!(
                    exceptions,
                    "<tr class=\"exception\"><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                    escape(&r.id),
                    escape(&e.check_id),
                    escape(&e.resource_arn),
                    escape(&e.severity),
                    time(e.first_seen_fail),
                    e.resolved_at.map_or("open".to_owned(), time),
                    escape(e.suppressed_by.as_deref().unwrap_or(""))
                );
            }
        }
        let gaps = if self.evidence_gaps.is_empty() {
            "none".to_owned()
        } else {
            day_ranges(&self.evidence_gaps)
        };
        format!(
            r#"<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'"><title>{fw} evidence {from} to {to}</title><style>body{{font:14px system-ui,sans-serif;margin:2em;color:#222}}table{{border-collapse:collapse;margin:1em 0}}td,th{{border:1px solid #ccc;padding:4px 8px;text-align:left}}td{{overflow-wrap:anywhere}}table{{max-width:100%}}svg{{display:block;margin:1em 0;background:#fafafa;max-width:960px;height:auto}}.axis{{stroke:#888}}.rate{{fill:none;stroke:#2a7;stroke-width:2}}.run{{fill:#2a7}}.week{{fill:#c44}}text{{font-size:11px;fill:#555}}</style></head><body><h1>{fw} evidence, {from} to {to}</h1><p id="population">{runs} runs in the period; days without a run (evidence gaps): {gaps}</p><p id="summary">{evidenced} requirements with automated evidence, {always} of them passing in every run; {exception_count} exceptions, {open_count} still open at the end of the period</p><h2>Requirements passing per run</h2>{rate}<h2>Exceptions open per week</h2>{weeks}<h2>Requirements</h2><table id="requirements"><tr><th>requirement</th><th>title</th><th>population</th><th>passed</th><th>pass rate</th><th>exceptions</th></tr>{rows}</table><h2>Exceptions</h2><table id="exceptions"><tr><th>requirement</th><th>check</th><th>resource</th><th>severity</th><th>first seen FAIL</th><th>resolved</th><th>suppressed by</th></tr>{exceptions}</table></body></html>"#,
            fw = escape(&self.framework),
            from = self.from,
            to = self.to,
            runs = self.runs,
            evidenced = self.summary.requirements_evidenced,
            always = self.summary.requirements_always_passed,
            exception_count = self.summary.exceptions,
            open_count = self.summary.open_at_end,
            rate = self.pass_rate_chart(),
            weeks = self.exceptions_chart(),
        )
    }
}
