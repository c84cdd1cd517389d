//! Renderers for released tables: CSV, JSON, SVG bar chart and one self-contained HTML page.
//!
//! They take only [`Released`], never a [`Table`](super::Table): what is rendered has been
//! through disclosure control. The HTML page has inline CSS and inline SVG, no scripts and no
//! external resources, so it can be published as a single file.

use std::fmt::Write;

use super::disclosure::{Released, Value};
use super::StatsError;

/// Output formats of `meldestelle stats export --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Json,
    Svg,
    Html,
}

impl Format {
    pub fn parse(s: &str) -> Result<Format, StatsError> {
        match s {
            "csv" => Ok(Format::Csv),
            "json" => Ok(Format::Json),
            "svg" => Ok(Format::Svg),
            "html" => Ok(Format::Html),
            _ => Err(StatsError::UnknownFormat(s.chars().take(16).collect())),
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::Csv => "text/csv; charset=utf-8",
            Format::Json => "application/json",
            Format::Svg => "image/svg+xml",
            Format::Html => "text/html; charset=utf-8",
        }
    }
}

/// Renders one released table in the given format.
pub fn render(r: &Released, format: Format) -> Vec<u8> {
    match format {
        Format::Csv => csv(r).into_bytes(),
        Format::Json => json(r),
        Format::Svg => svg(r).into_bytes(),
        Format::Html => html(&r.title, std::slice::from_ref(r)).into_bytes(),
    }
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

/// Wide CSV: one line per row category and a final `total` line. One-way tables have the
/// columns `period,<dim>,count,percent`; two-way tables one column per column category and
/// `total`. Suppressed values are written as `x`.
pub fn csv(r: &Released) -> String {
    let mut out = String::new();
    let period = r.period.to_string();
    let line = |out: &mut String, fields: Vec<String>| {
        let f: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
        out.push_str(&f.join(","));
        out.push('\n');
    };
    if r.is_two_way() {
        let mut head = vec![
            "period".to_owned(),
            format!("{} \\ {}", r.dims[0], r.dims[1]),
        ];
        head.extend(r.cols.iter().cloned());
        head.push("total".to_owned());
        line(&mut out, head);
        for (i, row) in r.rows.iter().enumerate() {
            let mut f = vec![period.clone(), row.clone()];
            f.extend(r.cells[i].iter().map(Value::label));
            f.push(r.row_totals[i].label());
            line(&mut out, f);
        }
        let mut f = vec![period.clone(), "total".to_owned()];
        f.extend(r.col_totals.iter().map(Value::label));
        f.push(r.total.label());
        line(&mut out, f);
    } else {
        line(
            &mut out,
            vec![
                "period".into(),
                r.dims[0].clone(),
                "count".into(),
                "percent".into(),
            ],
        );
        for (i, row) in r.rows.iter().enumerate() {
            let pct = r.percent[i][0].map(|p| p.to_string()).unwrap_or_default();
            line(
                &mut out,
                vec![period.clone(), row.clone(), r.cells[i][0].label(), pct],
            );
        }
        line(
            &mut out,
            vec![period, "total".into(), r.total.label(), String::new()],
        );
    }
    out
}

/// Pretty JSON of the released table (values as `{"count": 15}` or `"suppressed"`).
pub fn json(r: &Released) -> Vec<u8> {
    // Serializing plain strings, numbers and vectors cannot fail.
    serde_json::to_vec_pretty(r).expect("Released serializes")
}

fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}

/// A standalone SVG document (with the SVG namespace).
pub fn svg(r: &Released) -> String {
    svg_chart(r, "chart", true)
}

fn color(i: usize, n: usize) -> String {
    if n <= 1 {
        return "#2c6e91".to_owned();
    }
    format!("hsl({}, 55%, 42%)", (i * 360 / n + 200) % 360)
}

/// Horizontal bar chart; two-way tables as one group of bars per row, one colour per column.
/// Suppressed values are drawn as a small hatched box labelled `x`, never as a bar of some length.
fn svg_chart(r: &Released, id: &str, standalone: bool) -> String {
    const LABEL_W: usize = 230;
    const BAR_W: usize = 380;
    const BAR_H: usize = 14;
    const GAP: usize = 10;
    let two = r.is_two_way();
    let ncols = if two { r.cols.len() } else { 1 };
    let max = r
        .cells
        .iter()
        .flatten()
        .filter_map(Value::count)
        .chain([r.threshold, 1])
        .max()
        .unwrap_or(1);
    let scale = |v: u64| (v as f64 / max as f64 * BAR_W as f64).round() as usize;
    let legend_h = if two { ncols * (BAR_H + 4) + 10 } else { 0 };
    let top = 30 + legend_h;
    let group_h = ncols * BAR_H + GAP;
    let height = top + r.rows.len() * group_h + 20;
    let width = LABEL_W + BAR_W + 70;

    let mut desc = format!("{} {}: ", esc(&r.title), r.period);
    for (i, row) in r.rows.iter().enumerate() {
        let vals: Vec<String> = if two {
            r.cols
                .iter()
                .zip(&r.cells[i])
                .map(|(c, v)| format!("{} {}", esc(c), esc(&v.label())))
                .collect()
        } else {
            vec![esc(&r.cells[i][0].label())]
        };
        let _ = write!(desc, "{} {}; ", esc(row), vals.join(", "));
    }
    let _ = write!(
        desc,
        "gesamt / total {}. Gesperrte Werte als „&lt;{t}“ schraffiert / suppressed values hatched as \"&lt;{t}\".",
        esc(&r.total.label()),
        t = r.threshold
    );

    let mut s = String::new();
    let ns = if standalone {
        " xmlns=\"http://www.w3.org/2000/svg\""
    } else {
        ""
    };
    let _ = write!(
        s,
        "<svg{ns} role=\"img\" aria-labelledby=\"{id}-t {id}-d\" width=\"{width}\" height=\"{height}\" \
         viewBox=\"0 0 {width} {height}\" font-family=\"sans-serif\" font-size=\"12\">\
         <title id=\"{id}-t\">{title} ({period})</title><desc id=\"{id}-d\">{desc}</desc>\
         <defs><pattern id=\"{id}-hatch\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" \
         patternTransform=\"rotate(45)\"><line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#888\" \
         stroke-width=\"2\"/></pattern></defs>\
         <text x=\"4\" y=\"18\" font-weight=\"bold\">{title} – {period}</text>",
        title = esc(&r.title),
        period = r.period,
    );
    if two {
        for (j, c) in r.cols.iter().enumerate() {
            let y = 30 + j * (BAR_H + 4);
            let _ = write!(
                s,
                "<rect x=\"{LABEL_W}\" y=\"{y}\" width=\"{BAR_H}\" height=\"{BAR_H}\" fill=\"{col}\"/>\
                 <text x=\"{x}\" y=\"{ty}\">{c}</text>",
                col = color(j, ncols),
                x = LABEL_W + BAR_H + 6,
                ty = y + BAR_H - 3,
                c = esc(c),
            );
        }
    }
    for (i, row) in r.rows.iter().enumerate() {
        let gy = top + i * group_h;
        let _ = write!(
            s,
            "<text x=\"{x}\" y=\"{y}\" text-anchor=\"end\">{row}</text>",
            x = LABEL_W - 8,
            y = gy + (ncols * BAR_H) / 2 + 4,
            row = esc(row)
        );
        for (j, v) in r.cells[i].iter().enumerate() {
            let y = gy + j * BAR_H;
            let (w, body) = match v {
                Value::Count(n) => {
                    let w = scale(*n);
                    (
                        w,
                        format!(
                            "<rect x=\"{LABEL_W}\" y=\"{y}\" width=\"{w}\" height=\"{h}\" fill=\"{c}\"/>",
                            h = BAR_H - 2,
                            c = color(j, ncols)
                        ),
                    )
                }
                Value::Suppressed => {
                    let w = 14;
                    (
                        w,
                        format!(
                            "<rect x=\"{LABEL_W}\" y=\"{y}\" width=\"{w}\" height=\"{h}\" \
                             fill=\"url(#{id}-hatch)\" stroke=\"#888\" stroke-dasharray=\"3 2\"/>",
                            h = BAR_H - 2
                        ),
                    )
                }
            };
            s.push_str(&body);
            let _ = write!(
                s,
                "<text x=\"{x}\" y=\"{ty}\" font-size=\"11\">{label}</text>",
                x = LABEL_W + w + 4,
                ty = y + BAR_H - 3,
                label = esc(&v.label())
            );
        }
    }
    let _ = write!(
        s,
        "<text x=\"4\" y=\"{y}\" font-size=\"11\">gesamt / total: {t}</text></svg>",
        y = height - 6,
        t = esc(&r.total.label())
    );
    s
}

const CSS: &str = "body{font-family:sans-serif;max-width:1200px;margin:2em auto;padding:0 1em;color:#222}\
h1{font-size:1.6em}h2{font-size:1.25em;margin-top:2em}.en{color:#555;font-style:italic;margin-top:-.6em}\
.pair{display:flex;flex-wrap:wrap;gap:2em;align-items:flex-start}\
table{border-collapse:collapse;font-size:.9em}th,td{border:1px solid #bbb;padding:.2em .5em}\
td{text-align:right}th{background:#eee;text-align:left}tr.total td,td.total{font-weight:bold}\
.supp{color:#777}ul.rules{font-size:.85em;color:#444}";

fn html_table(r: &Released) -> String {
    let mut s = String::from("<table>");
    let cell = |v: &Value, extra: &str| {
        let class = match v {
            Value::Suppressed => format!(" class=\"supp{extra}\""),
            Value::Count(_) if !extra.is_empty() => format!(" class=\"{}\"", extra.trim()),
            Value::Count(_) => String::new(),
        };
        format!("<td{class}>{}</td>", esc(&v.label()))
    };
    if r.is_two_way() {
        let _ = write!(
            s,
            "<thead><tr><th>{} \\ {}</th>",
            esc(&r.dims[0]),
            esc(&r.dims[1])
        );
        for c in &r.cols {
            let _ = write!(s, "<th>{}</th>", esc(c));
        }
        s.push_str("<th>gesamt / total</th></tr></thead><tbody>");
        for (i, row) in r.rows.iter().enumerate() {
            let _ = write!(s, "<tr><th>{}</th>", esc(row));
            for v in &r.cells[i] {
                s.push_str(&cell(v, ""));
            }
            s.push_str(&cell(&r.row_totals[i], " total"));
            s.push_str("</tr>");
        }
        s.push_str("<tr class=\"total\"><th>gesamt / total</th>");
        for v in &r.col_totals {
            s.push_str(&cell(v, ""));
        }
        s.push_str(&cell(&r.total, ""));
        s.push_str("</tr></tbody></table>");
    } else {
        let _ = write!(
            s,
            "<thead><tr><th>{}</th><th>Anzahl / count</th><th>%</th></tr></thead><tbody>",
            esc(&r.dims[0])
        );
        for (i, row) in r.rows.iter().enumerate() {
            let pct = r.percent[i][0].map(|p| p.to_string()).unwrap_or_default();
            let _ = write!(
                s,
                "<tr><th>{}</th>{}<td>{}</td></tr>",
                esc(row),
                cell(&r.cells[i][0], ""),
                pct
            );
        }
        let _ = write!(
            s,
            "<tr class=\"total\"><th>gesamt / total</th>{}<td></td></tr></tbody></table>",
            cell(&r.total, "")
        );
    }
    s
}

/// One self-contained HTML page: each table beside its chart, with period, rules applied and
/// the number of suppressed values. No scripts, no external resources.
pub fn html(title: &str, tables: &[Released]) -> String {
    let mut s = String::new();
    let _ = write!(
        s,
        "<!DOCTYPE html>\n<html lang=\"de\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{t}</title><style>{CSS}</style></head><body>\
         <h1>{t}</h1><p class=\"en\">Anonymisierte Statistik rassistischer Vorfälle in der Verwaltung / \
         anonymised statistics of racist incidents in public administration</p>\
         <p>Alle Zahlen sind auf Vielfache von 5 gerundet; kleine Werte sind gesperrt. \
         Es werden nie Einzelmeldungen veröffentlicht.</p>\
         <p class=\"en\">All counts are rounded to multiples of 5; small values are suppressed. \
         No single report is ever published.</p>",
        t = esc(title)
    );
    for (i, r) in tables.iter().enumerate() {
        let heading = match &r.office {
            Some(o) => format!("{} – {} ({})", r.title, o, r.period),
            None => format!("{} ({})", r.title, r.period),
        };
        let _ = write!(
            s,
            "<section><h2>{h}</h2><p class=\"en\">Zeitraum / period {p}</p><div class=\"pair\">{table}<figure>{chart}</figure></div>\
             <p>Gesperrte Werte / suppressed values: {n}</p>",
            h = esc(&heading),
            p = r.period,
            table = html_table(r),
            chart = svg_chart(r, &format!("c{i}"), false),
            n = r.suppressed
        );
        s.push_str("<ul class=\"rules\">");
        for line in r.rules_applied.iter().chain(&r.notes) {
            let _ = write!(s, "<li>{}</li>", esc(line));
        }
        s.push_str("</ul></section>");
    }
    s.push_str("</body></html>\n");
    s
}
