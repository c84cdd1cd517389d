//! Crafted cases where a naive export would leak, the renderers, the alliance set and the
//! speed of the counting pass. Property tests live next to the code in `src/domain/stats/disclosure.rs`.

use meldestelle::domain::stats::render::{self, Format};
use meldestelle::domain::stats::taxonomy::Quarter;
use meldestelle::domain::stats::{
    alliance_release, protect, Period, Place, Record, Released, Rules, StatsError, Table,
    TableSpec, Value,
};

fn rec(office: &str, land: &str, size: &str, muni: &str) -> Record {
    Record {
        office: office.into(),
        land: land.into(),
        size_class: size.into(),
        municipality: muni.into(),
        quarter: Quarter { year: 2026, q: 3 },
        incident_type: None,
        racism_form: None,
        reporter_role: None,
        perpetrator_role: None,
        setting: None,
        admin_area: None,
        consequences: Vec::new(),
        reported_further: None,
    }
}

fn berlin() -> Record {
    rec("berlin-lageso", "BE", "over_100k", "Berlin")
}

fn release(records: &[Record], period: &str, by: &str) -> Released {
    let spec = TableSpec::parse(period, by).unwrap();
    protect(
        &Table::from_records(records, &spec).unwrap(),
        &Rules::default(),
    )
    .unwrap()
}

fn all_renderings(r: &Released) -> Vec<String> {
    [Format::Csv, Format::Json, Format::Svg, Format::Html]
        .into_iter()
        .map(|f| String::from_utf8(render::render(r, f)).unwrap())
        .collect()
}

fn row<'a>(r: &'a Released, label: &str) -> &'a [Value] {
    let i = r.rows.iter().position(|l| l == label).unwrap();
    &r.cells[i]
}

/// Values of a one-way table's only line, with the total last.
fn line(r: &Released) -> Vec<Value> {
    let mut v: Vec<Value> = r.cells.iter().map(|c| c[0]).collect();
    v.push(r.total);
    v
}

fn suppressed(v: &[Value]) -> usize {
    v.iter().filter(|x| matches!(x, Value::Suppressed)).count()
}

#[test]
fn a_one_report_in_a_small_municipality_is_folded_suppressed_and_never_named() {
    let mut records: Vec<Record> = (0..30).map(|_| berlin()).collect();
    let mut one = rec("kleinstadt-amt", "BB", "under_20k", "Kleinstadt");
    one.incident_type = Some("threat".into());
    records.push(one);

    let r = release(&records, "2026-Q3", "municipality");
    assert_eq!(r.rows, vec!["BB / under_20k (folded)", "Berlin (BE)"]);
    assert_eq!(r.threshold, 10, "under Land level: strict threshold");
    assert_eq!(row(&r, "BB / under_20k (folded)"), &[Value::Suppressed]);
    assert!(
        suppressed(&line(&r)) >= 2,
        "the folded cell is not the only suppression"
    );
    for out in all_renderings(&r) {
        assert!(!out.contains("Kleinstadt"), "{out}");
        assert!(!out.contains("kleinstadt"), "{out}");
    }

    let two = release(&records, "2026-Q3", "incident_type,municipality");
    assert!(!two.cols.iter().any(|c| c.contains("Kleinstadt")));
    let office = release(&records, "2026-Q3", "office");
    assert!(office.rows.iter().all(|r| !r.contains("kleinstadt")));
}

#[test]
fn b_a_rare_racism_form_is_never_placed_and_never_derivable() {
    // R4: no racism_form by department, by place, or within one office.
    for by in [
        "admin_area,racism_form",
        "racism_form,admin_area",
        "racism_form,land",
        "municipality,racism_form",
    ] {
        assert!(matches!(
            TableSpec::parse("2026", by),
            Err(StatsError::ForbiddenCross { .. })
        ));
    }
    let one_office = TableSpec::parse("2026", "racism_form")
        .unwrap()
        .for_office("berlin-lageso");
    assert!(matches!(one_office, Err(StatsError::ForbiddenCross { .. })));

    // One-way: every other category is large enough, so only a subtraction could find the one.
    let mut records = Vec::new();
    for (form, n) in [
        (Some("anti_black"), 15),
        (Some("anti_muslim"), 12),
        (Some("antisemitic"), 13),
        (Some("antigypsyist"), 1),
        (Some("other_racism"), 11),
        (None, 10),
    ] {
        for _ in 0..n {
            let mut r = berlin();
            r.racism_form = form.map(str::to_owned);
            records.push(r);
        }
    }
    let r = release(&records, "2026", "racism_form");
    assert_eq!(row(&r, "antigypsyist"), &[Value::Suppressed]);
    let l = line(&r);
    assert!(suppressed(&l) >= 2, "a second value hides the first: {l:?}");
    // Released total minus released cells leaves at least two unknowns.
    assert!(suppressed(&l[..l.len() - 1]) >= 2 || suppressed(&l) >= 3);
    assert_eq!(r.primary_suppressed, 1);
    assert!(r.secondary_suppressed >= 1);
}

#[test]
fn c_a_single_small_cell_would_follow_from_the_totals_without_r2() {
    // One-way: 2 physical attacks, everything else at least 6.
    let counts = [
        ("physical_attack", 2),
        ("threat", 6),
        ("property_damage", 7),
        ("verbal_degradation", 20),
        ("unequal_treatment", 9),
        ("propaganda_material", 8),
        ("other", 6),
    ];
    let mut records = Vec::new();
    for (t, n) in counts {
        for _ in 0..n {
            let mut r = berlin();
            r.incident_type = Some(t.into());
            records.push(r);
        }
    }
    for _ in 0..5 {
        records.push(berlin()); // no answer
    }
    let r = release(&records, "2026", "incident_type");
    assert_eq!(r.threshold, 5);
    assert_eq!(row(&r, "physical_attack"), &[Value::Suppressed]);
    assert_eq!(r.primary_suppressed, 1);
    assert_eq!(r.secondary_suppressed, 1, "exactly one more: the smallest");
    assert_eq!(suppressed(&line(&r)), 2);
    assert!(matches!(r.total, Value::Count(_)));

    // Two-way: one small cell in an otherwise large table; its row and column each need a
    // partner, and the partners need partners, so at least a 2×2 rectangle is hidden.
    let mut records = Vec::new();
    for (t, s, n) in [
        ("threat", "digital", 1),
        ("threat", "public_contact", 20),
        ("verbal_degradation", "digital", 30),
        ("verbal_degradation", "public_contact", 40),
    ] {
        for _ in 0..n {
            let mut r = berlin();
            r.incident_type = Some(t.into());
            r.setting = Some(s.into());
            records.push(r);
        }
    }
    let r = release(&records, "2026", "incident_type,setting");
    let i = r.rows.iter().position(|x| x == "threat").unwrap();
    let j = r.cols.iter().position(|x| x == "digital").unwrap();
    assert_eq!(r.cells[i][j], Value::Suppressed);
    for (ri, cells) in r.cells.iter().enumerate() {
        let mut l = cells.clone();
        l.push(r.row_totals[ri]);
        assert_ne!(suppressed(&l), 1, "row {ri}");
    }
    for c in 0..r.cols.len() {
        let mut l: Vec<Value> = r.cells.iter().map(|row| row[c]).collect();
        l.push(r.col_totals[c]);
        assert_ne!(suppressed(&l), 1, "column {c}");
    }
    let mut margin = r.col_totals.clone();
    margin.push(r.total);
    assert_ne!(suppressed(&margin), 1);
}

#[test]
fn counts_and_records_give_the_same_table() {
    let mut records = Vec::new();
    for i in 0..40 {
        let mut r = berlin();
        r.setting = Some(["digital", "public_contact"][i % 2].into());
        r.consequences = if i % 3 == 0 {
            vec!["none".into()]
        } else {
            vec!["psychological_strain".into(), "health_sick_leave".into()]
        };
        records.push(r);
    }
    let spec = TableSpec::parse("2026-Q3", "consequences,setting").unwrap();
    let from_records = Table::from_records(&records, &spec).unwrap();
    // As from `GROUP BY office, quarter, consequences, setting`.
    let mut groups: Vec<(Record, u64)> = Vec::new();
    for r in &records {
        match groups.iter_mut().find(|(g, _)| g == r) {
            Some((_, n)) => *n += 1,
            None => groups.push((r.clone(), 1)),
        }
    }
    assert!(groups.len() < records.len());
    let from_counts = Table::from_counts(groups, &spec).unwrap();
    assert_eq!(from_records, from_counts);
    assert_eq!(from_records.total, 40);
}

#[test]
fn stable_categories_from_the_catalog() {
    let catalog = vec![
        Place {
            office: "berlin-lageso".into(),
            municipality: "Berlin".into(),
            land: "BE".into(),
            size_class: "over_100k".into(),
        },
        Place {
            office: "leer".into(),
            municipality: "Leer".into(),
            land: "NI".into(),
            size_class: "20k_100k".into(),
        },
    ];
    let spec = TableSpec::parse("2026", "land")
        .unwrap()
        .with_catalog(catalog.clone());
    let t = Table::from_records(&[berlin()], &spec).unwrap();
    assert_eq!(t.rows, vec!["BE", "NI"], "NI is listed without records");
    let spec = TableSpec::parse("2026", "office")
        .unwrap()
        .with_catalog(catalog);
    let t = Table::from_records(Vec::<Record>::new(), &spec).unwrap();
    assert_eq!(
        t.rows,
        vec!["BE / over_100k (folded)", "NI / 20k_100k (folded)"]
    );
}

fn sample() -> Released {
    let mut records = Vec::new();
    for i in 0..60 {
        let mut r = berlin();
        r.incident_type = Some(["threat", "verbal_degradation", "other"][i % 3].into());
        r.setting = Some(["digital", "public_contact"][i % 2].into());
        records.push(r);
    }
    records[0].incident_type = Some("physical_attack".into());
    release(&records, "2026-Q3", "incident_type,setting")
}

#[test]
fn csv_has_one_line_per_row_plus_header_and_total() {
    let r = sample();
    let csv = render::csv(&r);
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), r.rows.len() + 2);
    assert_eq!(
        lines[0],
        "period,incident_type \\ setting,internal_employment,public_contact,digital,no_answer,total"
    );
    assert!(lines
        .iter()
        .all(|l| l.split(',').count() == r.cols.len() + 3));
    assert!(lines[1..].iter().all(|l| l.starts_with("2026-Q3,")));
    // Suppressed as "x": no bound, true or false, is published.
    assert!(lines[1..].iter().any(|l| l.split(',').any(|f| f == "x")));
    assert!(!csv.contains('<'));
    assert!(lines.last().unwrap().starts_with("2026-Q3,total,"));

    let one = release(&[berlin()], "2026", "setting");
    let csv = render::csv(&one);
    assert_eq!(csv.lines().next(), Some("period,setting,count,percent"));
    assert_eq!(csv.lines().count(), one.rows.len() + 2);
}

#[test]
fn json_has_the_released_shape_only() {
    let r = sample();
    let v: serde_json::Value = serde_json::from_slice(&render::json(&r)).unwrap();
    assert_eq!(v["period"], "2026-Q3");
    assert_eq!(v["dims"], serde_json::json!(["incident_type", "setting"]));
    assert_eq!(v["cells"].as_array().unwrap().len(), r.rows.len());
    assert!(v["cells"][0][0].get("count").is_some() || v["cells"][0][0] == "suppressed");
    assert!(v.get("primary_suppressed").is_none());
    assert!(v.get("suppressed").is_some());
    let suppressed = v["cells"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|row| row.as_array().unwrap())
        .filter(|c| *c == "suppressed")
        .count();
    assert!(
        suppressed > 0,
        "a suppressed value is the bare word, with no bound"
    );
    assert!(!String::from_utf8(render::json(&r))
        .unwrap()
        .contains("\"below\""));
}

fn assert_well_formed(xml: &str) {
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut depth = 0i32;
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Start(_)) => depth += 1,
            Ok(quick_xml::events::Event::End(_)) => depth -= 1,
            Ok(quick_xml::events::Event::Eof) => break,
            Ok(_) => {}
            Err(e) => panic!("not well-formed at {}: {e}", reader.buffer_position()),
        }
    }
    assert_eq!(depth, 0);
}

#[test]
fn svg_is_well_formed_and_accessible() {
    for r in [sample(), release(&[berlin()], "2026", "racism_form")] {
        let svg = render::svg(&r);
        assert_well_formed(&svg);
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        assert!(svg.contains("<title id=") && svg.contains("<desc id="));
        assert!(
            svg.contains("url(#chart-hatch)"),
            "suppressed bars are hatched"
        );
        // A suppressed value is drawn as a small hatched box labelled x, never with a bound.
        assert!(svg.contains(">x</text>") && !svg.contains("&lt;"));
    }
}

#[test]
fn html_is_one_self_contained_page_in_words_people_read() {
    let mut records: Vec<Record> = (0..25).map(|_| berlin()).collect();
    records[3].racism_form = Some("antisemitic".into());
    for r in records.iter_mut().take(12) {
        r.incident_type = Some("verbal_degradation".into());
    }
    let set = alliance_release(&records, Period::Year(2026), &[], &Rules::default()).unwrap();
    let names = [("berlin-lageso".to_owned(), "LAGeSo Berlin".to_owned())].into();
    let html = render::publication(
        "2026",
        &set.tables,
        &["berlin-lageso".to_owned()],
        1,
        2,
        &names,
        chrono::NaiveDate::from_ymd_opt(2027, 1, 15),
    );
    assert!(html.starts_with("<!DOCTYPE html>"));
    // The form's words in both languages, not the codes; the method; who contributed.
    for words in [
        "Beleidigung, verbale Herabwürdigung",
        "Insult, verbal degradation",
        "über 100.000 Einwohner",
        "keine Angabe",
        "So sind die Zahlen entstanden",
        "How these figures were made",
        "es bedeutet nicht „wenige“",
        "Beitragende Stellen (1)",
        "LAGeSo Berlin",
        "veröffentlicht am 2027-01-15",
        "2 weitere Stelle(n)",
    ] {
        assert!(html.contains(words), "{words}");
    }
    let text_only = html
        .split('<')
        .map(|p| p.split_once('>').map_or(p, |(_, t)| t))
        .collect::<String>();
    for code in ["verbal_degradation", "over_100k", "no_answer"] {
        assert!(!text_only.contains(code), "the code {code} is shown");
    }
    assert!(html.contains("@media print"));
    assert!(!html.to_lowercase().contains("<script"));
    assert!(
        !html.contains("http"),
        "no external references, not even the SVG namespace"
    );
    assert!(!html.contains("src="));
    assert!(html.contains("<svg") && html.contains("<style>"));
    assert!(html.contains("Gesperrte Werte (x)"));
    assert!(html.contains("R1:"));
    // Everything from <body> on is well-formed XML as well (void elements come only in <head>).
    let body = &html[html.find("<body>").unwrap()..html.find("</html>").unwrap()];
    assert_well_formed(body);
}

#[test]
fn alliance_set_has_the_standard_tables_and_consistent_margins() {
    let mut records = Vec::new();
    for i in 0..200 {
        let mut r = if i % 4 == 0 {
            rec("hamburg", "HH", "over_100k", "Hamburg")
        } else {
            berlin()
        };
        r.incident_type = Some(["threat", "verbal_degradation", "unequal_treatment"][i % 3].into());
        records.push(r);
    }
    records.push(rec("leer", "NI", "20k_100k", "Leer"));
    let rules = Rules {
        seed: Some(3),
        ..Rules::default()
    };
    let set = alliance_release(&records, Period::Year(2026), &[], &rules).unwrap();
    let titles: Vec<(&str, Option<&str>)> = set
        .tables
        .iter()
        .map(|t| (t.title.as_str(), t.office.as_deref()))
        .collect();
    assert_eq!(
        &titles[..5],
        &[
            ("land", None),
            ("size_class", None),
            ("incident_type", None),
            ("racism_form", None),
            ("incident_type × land", None),
        ]
    );
    assert_eq!(set.offices_without_tables, 1, "Leer has one report");
    assert!(set
        .tables
        .iter()
        .all(|t| t.office.as_deref() != Some("leer")));
    let office_tables: Vec<&Released> = set.tables.iter().filter(|t| t.office.is_some()).collect();
    assert_eq!(office_tables.len(), 2 * 7);
    assert!(office_tables
        .iter()
        .all(|t| t.threshold == 10 && t.title != "racism_form"));
    // By Land and by incident_type are exactly the margins of the cross table.
    let (by_land, by_type, cross) = (&set.tables[0], &set.tables[2], &set.tables[4]);
    let land_col: Vec<Value> = by_land.cells.iter().map(|c| c[0]).collect();
    assert_eq!(land_col, cross.col_totals);
    let type_col: Vec<Value> = by_type.cells.iter().map(|c| c[0]).collect();
    assert_eq!(type_col, cross.row_totals);
    assert_eq!(by_land.total, cross.total);
    // With noise the set still renders and keeps the margins consistent.
    let noisy = Rules {
        epsilon: Some(1.0),
        ..rules
    };
    let set = alliance_release(&records, Period::Year(2026), &[], &noisy).unwrap();
    let land_col: Vec<Value> = set.tables[0].cells.iter().map(|c| c[0]).collect();
    assert_eq!(land_col, set.tables[4].col_totals);
}

/// R7 by the cell-key method: a figure made of the same records has the same noise wherever
/// it appears, so the seven tables of one office (or the alliance's five) cannot be averaged
/// against each other; and the noise depends on the records, not on their order.
#[test]
fn noise_is_the_same_for_the_same_records_in_every_table() {
    let mut records = Vec::new();
    for i in 0..400 {
        let mut r = match i % 3 {
            0 => rec("hamburg", "HH", "over_100k", "Hamburg"),
            1 => rec("bremen", "HB", "over_100k", "Bremen"),
            _ => berlin(),
        };
        r.incident_type = Some(["threat", "verbal_degradation", "unequal_treatment"][i % 3].into());
        r.setting = Some(["internal_employment", "public_contact"][i % 2].into());
        r.reporter_role = Some(["affected", "witness"][(i / 2) % 2].into());
        records.push(r);
    }
    let rules = Rules {
        epsilon: Some(0.5),
        seed: Some(11),
        ..Rules::default()
    };
    let exact = alliance_release(&records, Period::Year(2026), &[], &Rules::default()).unwrap();
    let set = alliance_release(&records, Period::Year(2026), &[], &rules).unwrap();
    let mut differs = 0;
    for office in ["hamburg", "bremen", "berlin-lageso"] {
        let totals: Vec<Value> = set
            .tables
            .iter()
            .filter(|t| t.office.as_deref() == Some(office))
            .map(|t| t.total)
            .collect();
        assert_eq!(totals.len(), 7);
        assert!(
            totals.iter().all(|t| *t == totals[0]),
            "{office}: {totals:?}"
        );
        let exact_total = exact
            .tables
            .iter()
            .find(|t| t.office.as_deref() == Some(office))
            .unwrap()
            .total;
        differs += usize::from(exact_total != totals[0]);
    }
    // ε = 0.5 over five entries a record touches: noise of several units is the rule.
    assert!(differs > 0, "the noise changed no office's total");
    let grand: Vec<Value> = set.tables[..5].iter().map(|t| t.total).collect();
    assert!(grand.iter().all(|t| *t == grand[0]), "{grand:?}");
    // R5 holds with noise too: each Land has one office, so no Land is shown; the size class
    // has all three.
    for land in ["HH", "HB", "BE"] {
        assert_eq!(row(&set.tables[0], land), &[Value::Suppressed], "{land}");
    }
    assert_ne!(row(&set.tables[1], "over_100k"), &[Value::Suppressed]);

    let mut shuffled = records.clone();
    shuffled.reverse();
    shuffled.rotate_left(17);
    assert_eq!(
        alliance_release(&shuffled, Period::Year(2026), &[], &rules).unwrap(),
        set
    );
    // The public page says so, and only when it is true.
    let page = |tables: &[Released]| {
        render::publication("2026", tables, &[], 0, 0, &Default::default(), None)
    };
    assert!(page(&set.tables).contains("cell-key method"));
    assert!(!page(&exact.tables).contains("cell-key"));
}

#[test]
fn a_million_records_make_a_two_way_table() {
    // How fast is for the benchmark (release mode); a debug test run checks fewer records.
    let n = if cfg!(debug_assertions) {
        100_000
    } else {
        1_000_000
    };
    let types = [
        "physical_attack",
        "threat",
        "property_damage",
        "verbal_degradation",
        "unequal_treatment",
        "propaganda_material",
        "other",
    ];
    let places = [
        ("berlin", "BE", "over_100k", "Berlin"),
        ("hamburg", "HH", "over_100k", "Hamburg"),
        ("leer", "NI", "20k_100k", "Leer"),
        ("jena", "TH", "20k_100k", "Jena"),
    ];
    let records: Vec<Record> = (0..n)
        .map(|i: usize| {
            let (o, l, s, m) = places[i % places.len()];
            let mut r = rec(o, l, s, m);
            r.quarter = Quarter {
                year: 2026,
                q: (i % 4) as u8 + 1,
            };
            r.incident_type = (i % 8 != 7).then(|| types[(i * 7) % types.len()].to_owned());
            r
        })
        .collect();
    let spec = TableSpec::parse("2026", "incident_type,land").unwrap();
    let table = Table::from_records(&records, &spec).unwrap();
    let released = protect(&table, &Rules::default()).unwrap();
    let csv = render::csv(&released);
    assert_eq!(table.total, n as u64);
    assert!(!csv.is_empty());
}

#[test]
fn r2_scales_to_hundreds_of_municipalities() {
    let mut records = Vec::new();
    for m in 0..300usize {
        let n = [3usize, 12, 40, 9, 150][m % 5];
        for i in 0..n {
            let mut r = rec(&format!("o{m}"), "NW", "20k_100k", &format!("M{m}"));
            r.incident_type = Some(
                ["threat", "verbal_degradation", "other", "physical_attack"][(i * 7 + m) % 4]
                    .into(),
            );
            records.push(r);
        }
    }
    let r = release(&records, "2026", "municipality,incident_type");
    assert_eq!(r.rows.len(), 181, "180 named and one folded category");
    assert!(r.rows.contains(&"NW / 20k_100k (folded)".to_owned()));
}

#[test]
fn alliance_tables_cannot_be_subtracted_from_each_other() {
    // Land BE: office A is named (30 reports), office B is not (3). Naively, BE minus A is B.
    let mut records = Vec::new();
    for i in 0..30 {
        let mut r = rec("a", "BE", "over_100k", "Berlin");
        r.incident_type = Some(["threat", "verbal_degradation"][i % 2].into());
        records.push(r);
    }
    for _ in 0..3 {
        let mut r = rec("b", "BE", "20k_100k", "Bernau-ish");
        r.incident_type = Some("threat".into());
        records.push(r);
    }
    for _ in 0..40 {
        let mut r = rec("h", "HH", "over_100k", "Hamburg");
        r.incident_type = Some("threat".into());
        records.push(r);
    }
    let set = alliance_release(&records, Period::Year(2026), &[], &Rules::default()).unwrap();
    let cross = &set.tables[4];
    let be = cross.cols.iter().position(|c| c == "BE").unwrap();
    let a_table = set
        .tables
        .iter()
        .find(|t| t.office.as_deref() == Some("a") && t.title == "incident_type")
        .unwrap();
    let is_supp = |v: &Value| matches!(v, Value::Suppressed);
    assert!(
        is_supp(&cross.col_totals[be]) || is_supp(&a_table.total),
        "BE total minus A's total would give B's total"
    );
    for t in 0..cross.rows.len() {
        assert!(
            is_supp(&cross.cells[t][be]) || is_supp(&a_table.cells[t][0]),
            "BE minus A gives B for {}",
            cross.rows[t]
        );
    }
    // A's tables all share A's total, so they show it alike.
    let a_totals: Vec<Value> = set
        .tables
        .iter()
        .filter(|t| t.office.as_deref() == Some("a"))
        .map(|t| t.total)
        .collect();
    assert_eq!(a_totals.len(), 7);
    assert!(a_totals.iter().all(|v| *v == a_totals[0]));
    // And every Land-level table shows the same grand total the same way.
    let grand: Vec<Value> = set.tables[..5].iter().map(|t| t.total).collect();
    assert!(grand.iter().all(|v| *v == grand[0]), "{grand:?}");
    assert!(set.tables.iter().all(|t| t.office.as_deref() != Some("b")));
}

#[test]
fn alliance_set_for_many_offices() {
    let lands = ["BE", "HH", "NI", "NW", "BY", "SN"];
    let sizes = ["under_20k", "20k_100k", "over_100k"];
    let types = ["threat", "verbal_degradation", "unequal_treatment", "other"];
    let mut records = Vec::new();
    for o in 0..60usize {
        let n = [2usize, 8, 15, 40, 90][o % 5];
        for i in 0..n {
            let mut r = rec(
                &format!("office{o}"),
                lands[o % lands.len()],
                sizes[o % sizes.len()],
                &format!("M{o}"),
            );
            r.incident_type = Some(types[(i + o) % types.len()].into());
            r.setting = Some("digital".into());
            records.push(r);
        }
    }
    let set = alliance_release(&records, Period::Year(2026), &[], &Rules::default()).unwrap();
    assert_eq!(set.offices_without_tables, 24);
    assert_eq!(set.tables.len(), 5 + 36 * 7);
}

mod linked_property {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(60))]

        /// For any mix of named and small offices: within every Land that has exactly one
        /// unpublished office, no incident category (nor the total) is released both for the
        /// Land and for all its named offices, which would give the small office by subtraction.
        #[test]
        fn no_land_minus_named_offices(
            sizes in prop::collection::vec((0usize..3, 1usize..40), 2..7),
            types in prop::collection::vec(0usize..4, 40),
        ) {
            let lands = ["BE", "HH", "NI"];
            let kinds = ["threat", "verbal_degradation", "other", "physical_attack"];
            let mut records = Vec::new();
            for (o, &(land, n)) in sizes.iter().enumerate() {
                for i in 0..n {
                    let mut r = rec(&format!("o{o}"), lands[land], "20k_100k", &format!("M{o}"));
                    r.incident_type = Some(kinds[types[(i + o) % types.len()]].into());
                    records.push(r);
                }
            }
            let set = alliance_release(&records, Period::Year(2026), &[], &Rules::default()).unwrap();
            let cross = &set.tables[4];
            let supp = |v: &Value| matches!(v, Value::Suppressed);
            for (l, land) in lands.iter().enumerate() {
                let offices: Vec<usize> = (0..sizes.len()).filter(|&o| sizes[o].0 == l).collect();
                let small: Vec<usize> = offices.iter().copied().filter(|&o| sizes[o].1 < 10).collect();
                if small.len() != 1 {
                    continue;
                }
                let col = cross.cols.iter().position(|c| c == land).unwrap();
                let named: Vec<&Released> = offices
                    .iter()
                    .filter(|&&o| sizes[o].1 >= 10)
                    .map(|o| {
                        let name = format!("o{o}");
                        set.tables
                            .iter()
                            .find(|t| t.office.as_deref() == Some(name.as_str()) && t.title == "incident_type")
                            .unwrap()
                    })
                    .collect();
                for t in 0..cross.rows.len() {
                    let all_released = !supp(&cross.cells[t][col])
                        && named.iter().all(|r| !supp(&r.cells[t][0]));
                    prop_assert!(!all_released, "{} {}", land, cross.rows[t]);
                }
                let totals_released =
                    !supp(&cross.col_totals[col]) && named.iter().all(|r| !supp(&r.total));
                prop_assert!(!totals_released, "{} total", land);
            }
        }
    }
}
