//! Renderers for released tables: CSV, JSON, SVG bar chart and one self-contained HTML page.
//!
//! They take only [`Released`], never a [`Table`](super::Table): what is rendered has been
//! through disclosure control. The HTML page has inline CSS and inline SVG, no scripts and no
//! external resources, so it can be published as a single file.

use std::fmt::Write;

use super::disclosure::{Released, Value};
use super::StatsError;

/// Output formats of `meldestelle stats export --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
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
        Format::Html => publication(
            &r.period.to_string(),
            std::slice::from_ref(r),
            &[],
            0,
            0,
            &std::collections::BTreeMap::new(),
            None,
        )
        .into_bytes(),
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
    const LABEL_W: usize = 320;
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
        "gesamt / total {}. Gesperrte Werte als „x“ schraffiert / suppressed values hatched as \"x\".",
        esc(&r.total.label()),
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

const CSS: &str = "body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#1d1d1d;line-height:1.45}\
h1{font-size:1.7em;margin-bottom:.2em}h2{font-size:1.3em;margin:0 0 .1em}.en{color:#4a4a4a;font-style:italic}\
p.en,div.en{margin-top:0}section.t{margin:2.2em 0;padding-top:1em;border-top:1px solid #ccc}\
.pair{display:flex;flex-wrap:wrap;gap:1.5em;align-items:flex-start}figure{margin:0;max-width:100%;overflow-x:auto}\
table{border-collapse:collapse;font-size:.92em}th,td{border:1px solid #bbb;padding:.25em .5em;vertical-align:top}\
td{text-align:right;font-variant-numeric:tabular-nums}th{background:#f0f0f0;text-align:left;font-weight:normal}\
thead th{font-weight:bold}th span.en{display:block;font-size:.85em}tr.total td,tr.total th,td.total{font-weight:bold}\
.supp{color:#555;background:repeating-linear-gradient(45deg,#fff,#fff 3px,#e6e6e6 3px,#e6e6e6 6px)}\
.method{background:#f6f6f2;border:1px solid #ddd;padding:.5em 1.2em;border-radius:4px}\
ul.rules{font-size:.82em;color:#444}\
@media print{body{max-width:none;margin:0;font-size:10pt}section.t{break-inside:avoid;page-break-inside:avoid}\
.method{break-inside:avoid}a{color:inherit;text-decoration:none}}";

/// A category label in both languages, as table header content.
fn both(pair: &[String; 2]) -> String {
    if pair[0] == pair[1] {
        esc(&pair[0])
    } else {
        format!(
            "{}<span class=\"en\" lang=\"en\">{}</span>",
            esc(&pair[0]),
            esc(&pair[1])
        )
    }
}

/// Row or column labels of a table in words (municipality and fold labels stay as they are).
fn worded(field: &str, codes: &[String]) -> Vec<[String; 2]> {
    codes
        .iter()
        .map(|c| super::labels::value(field, c))
        .collect()
}

fn html_table(r: &Released) -> String {
    let rows = worded(&r.dims[0], &r.rows);
    let total = both(&super::labels::total());
    let mut s = String::from("<table>");
    let cell = |v: &Value, extra: &str| {
        let class = match v {
            Value::Suppressed => format!(" class=\"supp{extra}\""),
            Value::Count(_) if !extra.is_empty() => format!(" class=\"{}\"", extra.trim()),
            Value::Count(_) => String::new(),
        };
        let title = if matches!(v, Value::Suppressed) {
            " title=\"gesperrt / suppressed\""
        } else {
            ""
        };
        format!("<td{class}{title}>{}</td>", esc(&v.label()))
    };
    if r.is_two_way() {
        let cols = worded(&r.dims[1], &r.cols);
        let _ = write!(
            s,
            "<thead><tr><th scope=\"col\">{} \\ {}</th>",
            both(&super::labels::title(&r.dims[0])),
            both(&super::labels::title(&r.dims[1]))
        );
        for c in &cols {
            let _ = write!(s, "<th scope=\"col\">{}</th>", both(c));
        }
        let _ = write!(s, "<th scope=\"col\">{total}</th></tr></thead><tbody>");
        for (i, row) in rows.iter().enumerate() {
            let _ = write!(s, "<tr><th scope=\"row\">{}</th>", both(row));
            for v in &r.cells[i] {
                s.push_str(&cell(v, ""));
            }
            s.push_str(&cell(&r.row_totals[i], " total"));
            s.push_str("</tr>");
        }
        let _ = write!(s, "<tr class=\"total\"><th scope=\"row\">{total}</th>");
        for v in &r.col_totals {
            s.push_str(&cell(v, ""));
        }
        s.push_str(&cell(&r.total, ""));
        s.push_str("</tr></tbody></table>");
    } else {
        let _ = write!(
            s,
            "<thead><tr><th scope=\"col\">{}</th><th scope=\"col\">Anzahl<span class=\"en\" lang=\"en\">count</span></th>\
             <th scope=\"col\">%</th></tr></thead><tbody>",
            both(&super::labels::title(&r.dims[0]))
        );
        for (i, row) in rows.iter().enumerate() {
            let pct = r.percent[i][0].map(|p| p.to_string()).unwrap_or_default();
            let _ = write!(
                s,
                "<tr><th scope=\"row\">{}</th>{}<td>{}</td></tr>",
                both(row),
                cell(&r.cells[i][0], ""),
                pct
            );
        }
        let _ = write!(
            s,
            "<tr class=\"total\"><th scope=\"row\">{total}</th>{}<td></td></tr></tbody></table>",
            cell(&r.total, "")
        );
    }
    s
}

/// The same table with its categories in German words, for the chart.
fn charted(r: &Released) -> Released {
    let mut c = r.clone();
    c.rows = worded(&r.dims[0], &r.rows)
        .into_iter()
        .map(|[de, _]| de)
        .collect();
    if r.is_two_way() {
        c.cols = worded(&r.dims[1], &r.cols)
            .into_iter()
            .map(|[de, _]| de)
            .collect();
    }
    c.title = r
        .dims
        .iter()
        .map(|d| super::labels::title(d)[0].clone())
        .collect::<Vec<_>>()
        .join(" × ");
    c
}

/// What a release is, in plain words, German then English.
const METHOD_DE: &[&str] = &[
    "Jede beteiligte Beschwerdestelle zählt nach Ende eines Quartals jeden Fall, den sie in diesem Quartal erhalten hat, genau einmal: mit den freiwilligen Angaben der meldenden Person und der Einordnung der Stelle. Texte, Namen und Daten einzelner Fälle fließen nie ein.",
    "Alle Zahlen sind auf Vielfache von 5 gerundet. Ein „x“ heißt: gesperrt – entweder weil zu wenige Fälle dahinterstehen, um sie sicher zu zeigen, oder damit sich ein anderer kleiner Wert nicht ausrechnen lässt. Ein „x“ kann für 0 oder für eine größere Zahl stehen; es bedeutet nicht „wenige“.",
    "Anteile (%) werden nur aus veröffentlichten Zahlen berechnet und nur, wo die Grundzahl mindestens 10 ist.",
    "Länder und Gemeindegrößen erscheinen nur, wenn mindestens drei Stellen dazu beigetragen haben; Stellen mit weniger als 10 Fällen erhalten keine eigenen Tabellen.",
    "Diese Veröffentlichung ist eingefroren: Sie wird nie nachträglich geändert.",
];
const NOISE_DE: &str = "Vor dem Runden wurde jede Zahl um einen kleinen Zufallswert verändert (Cell-Key-Verfahren). Dieselbe Zahl hat in jeder Tabelle dieselbe Abweichung; Summen können daher von der Summe ihrer Teile abweichen.";
const NOISE_EN: &str = "Before rounding, every count was changed by a small random amount (cell-key method). The same figure has the same change in every table; totals may therefore differ from the sum of their parts.";
const METHOD_EN: &[&str] = &[
    "After each quarter, every participating complaint office counts each case it received in that quarter exactly once: with the reporting person's voluntary answers and the office's classification. No text, name or date of a single case is ever used.",
    "All counts are rounded to multiples of 5. An “x” means suppressed: either too few cases stand behind it to show it safely, or it is hidden so that another small value cannot be calculated. An “x” can stand for 0 or for a larger number; it does not mean “few”.",
    "Percentages are computed only from published counts, and only where the base is at least 10.",
    "Länder and municipality sizes appear only where at least three offices contributed; offices with fewer than 10 cases get no tables of their own.",
    "This release is frozen: it will never be changed afterwards.",
];

/// The publication of a frozen release: one self-contained page in German and English that
/// prints well, with the method in plain words, the contributing offices (named only when none
/// is missing, so that the public office list never names a missing one), and each table beside
/// its chart. No scripts, no external resources; its only style is the `<style>` element (allowed
/// by hash under the server's Content-Security-Policy).
pub fn publication(
    period: &str,
    tables: &[Released],
    offices: &[String],
    contributed: usize,
    missing: usize,
    names: &std::collections::BTreeMap<String, String>,
    released_on: Option<chrono::NaiveDate>,
) -> String {
    let mut s = String::new();
    let _ = write!(
        s,
        "<!DOCTYPE html>\n<html lang=\"de\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>Rassismus in der Verwaltung – Meldungen {p}</title><style>{CSS}</style></head><body>\
         <header><h1>Rassismus in der Verwaltung – Meldungen {p}</h1>\
         <p class=\"en\" lang=\"en\">Racism in public administration – reports {p}</p>\
         <p>Anonymisierte Statistik des Bündnisses{d_de}. \
         <span class=\"en\" lang=\"en\">Anonymised statistics of the alliance{d_en}.</span></p></header>\
         <section class=\"method\"><h2>So sind die Zahlen entstanden</h2><ul>",
        p = esc(period),
        d_de = released_on.map(|d| format!(", veröffentlicht am {d}")).unwrap_or_default(),
        d_en = released_on.map(|d| format!(", released on {d}")).unwrap_or_default(),
    );
    // R7, when on: readers are told that the figures carry deliberate noise.
    let noised = tables
        .iter()
        .any(|t| t.rules_applied.iter().any(|r| r.starts_with("R7")));
    let noise_de = noised.then_some(NOISE_DE);
    let noise_en = noised.then_some(NOISE_EN);
    for line in METHOD_DE.iter().chain(&noise_de) {
        let _ = write!(s, "<li>{}</li>", esc(line));
    }
    s.push_str("</ul><h2 lang=\"en\">How these figures were made</h2><ul lang=\"en\">");
    for line in METHOD_EN.iter().chain(&noise_en) {
        let _ = write!(s, "<li>{}</li>", esc(line));
    }
    s.push_str("</ul></section>");
    if contributed > 0 || missing > 0 {
        let _ = write!(
            s,
            "<section class=\"t\"><h2>Beitragende Stellen ({contributed})</h2>\
             <p class=\"en\" lang=\"en\">Contributing offices ({contributed})</p>"
        );
        if !offices.is_empty() {
            s.push_str("<ul>");
            for o in offices {
                let _ = write!(s, "<li>{}</li>", esc(names.get(o).unwrap_or(o)));
            }
            s.push_str("</ul>");
        }
        if missing > 0 {
            let _ = write!(
                s,
                "<p>{missing} weitere Stelle(n) haben für diesen Zeitraum nicht vollständig beigetragen; \
                 ihre Zahlen fehlen ganz oder teilweise. Welche Stellen beigetragen haben, wird deshalb \
                 nicht genannt. <span class=\"en\" lang=\"en\">{missing} more office(s) did not \
                 contribute in full for this period; their figures are missing in whole or in part. \
                 Which offices contributed is therefore not named.</span></p>"
            );
        }
        s.push_str("</section>");
    }
    // The rules every table was made by, once; under each table a link to them, and what is
    // its own (a stricter threshold, its notes).
    let common: Vec<&String> = tables.first().map_or_else(Vec::new, |first| {
        first
            .rules_applied
            .iter()
            .filter(|line| tables.iter().all(|t| t.rules_applied.contains(line)))
            .collect()
    });
    if !common.is_empty() {
        s.push_str(
            "<section class=\"t\" id=\"regeln\"><h2>Regeln für alle Tabellen</h2>\
             <p class=\"en\" lang=\"en\">Rules for every table</p><ul class=\"rules\">",
        );
        for line in &common {
            let _ = write!(s, "<li>{}</li>", esc(line));
        }
        s.push_str("</ul></section>");
    }
    for (i, r) in tables.iter().enumerate() {
        let [de, en] = match r.dims.as_slice() {
            [a, b] => {
                let (a, b) = (super::labels::title(a), super::labels::title(b));
                [
                    format!("{} × {}", a[0], b[0]),
                    format!("{} × {}", a[1], b[1]),
                ]
            }
            [a, ..] => super::labels::title(a),
            [] => [String::new(), String::new()],
        };
        let whose = match &r.office {
            Some(o) => format!(" – {}", names.get(o).unwrap_or(o)),
            None => String::new(),
        };
        let _ = write!(
            s,
            "<section class=\"t\"><h2>{de}{w}</h2><p class=\"en\" lang=\"en\">{en}{w}</p>\
             <div class=\"pair\">{table}<figure>{chart}</figure></div>\
             <p>Gesperrte Werte (x): {n} <span class=\"en\" lang=\"en\">suppressed values (x): {n}</span></p>",
            de = esc(&de),
            en = esc(&en),
            w = esc(&whose),
            table = html_table(r),
            chart = svg_chart(&charted(r), &format!("c{i}"), false),
            n = r.suppressed
        );
        s.push_str("<ul class=\"rules\">");
        if !common.is_empty() {
            s.push_str(
                "<li><a href=\"#regeln\">Regeln für alle Tabellen</a> \
                 <span class=\"en\" lang=\"en\">(rules for every table)</span></li>",
            );
        }
        let own = r.rules_applied.iter().filter(|line| !common.contains(line));
        for line in own.chain(&r.notes) {
            let _ = write!(s, "<li>{}</li>", esc(line));
        }
        s.push_str("</ul></section>");
    }
    s.push_str("</body></html>\n");
    s
}
