use polars::prelude::*;
use serde_json::json;

use super::*;

fn config(fields: serde_json::Value) -> Config {
    Config::parse(&serde_json::to_vec(&fields).expect("json")).expect("config")
}

/// The rows (0-based) a rule flags, by column and validator name.
fn flagged(report: &Report, column: &str, validator: &str) -> Vec<u32> {
    let rule = report
        .rules
        .iter()
        .position(|r| r.column == column && r.validator == validator)
        .unwrap_or_else(|| panic!("no rule {column}/{validator}: {:?}", report.rules))
        as u32;
    report
        .errors
        .iter()
        .filter(|e| e.rule == rule)
        .map(|e| e.row)
        .collect()
}

fn message(report: &Report, column: &str, validator: &str) -> String {
    report
        .rules
        .iter()
        .find(|r| r.column == column && r.validator == validator)
        .map(|r| r.message.clone())
        .expect("rule")
}

fn text(name: &str, values: &[Option<&str>]) -> Column {
    Column::new(name.into(), values.to_vec())
}

#[test]
fn required_flags_missing_null_and_empty_but_not_whitespace() {
    let c = config(json!([
        {"key": "name", "label": "Name", "validators": [{"validate": "required"}]},
        {"key": "absent", "validators": [{"validate": "required", "error": "Tell us!"}]}
    ]));
    let frame = DataFrame::new(
        4,
        vec![text("name", &[Some("Ada"), None, Some(""), Some(" ")])],
    )
    .expect("frame");
    let report = check(&c, &frame);
    assert_eq!(flagged(&report, "name", "required"), vec![1, 2]);
    assert_eq!(flagged(&report, "absent", "required"), vec![0, 1, 2, 3]);
    assert_eq!(message(&report, "name", "required"), "Required");
    assert_eq!(message(&report, "absent", "required"), "Tell us!");
}

#[test]
fn required_with_and_without_read_any_and_all_of_the_listed_fields() {
    let c = config(json!([
        {"key": "first", "label": "First Name"},
        {"key": "email", "label": "Email"},
        {"key": "with", "validators": [{"validate": "required_with", "fields": ["first", "email"]}]},
        {"key": "with_all", "validators": [{"validate": "required_with_all", "fields": ["first", "email"]}]},
        {"key": "without", "validators": [{"validate": "required_without", "fields": ["first", "email"]}]},
        {"key": "without_all", "validators": [{"validate": "required_without_all", "fields": ["first", "email"]}]}
    ]));
    // Rows: both filled, only first, only email, neither. Every checked cell is empty.
    let frame = DataFrame::new(
        4,
        vec![
            text("first", &[Some("a"), Some("b"), None, Some("")]),
            text("email", &[Some("x"), None, Some("y"), None]),
        ],
    )
    .expect("frame");
    let report = check(&c, &frame);
    assert_eq!(flagged(&report, "with", "required_with"), vec![0, 1, 2]);
    assert_eq!(flagged(&report, "with_all", "required_with_all"), vec![0]);
    assert_eq!(
        flagged(&report, "without", "required_without"),
        vec![1, 2, 3]
    );
    assert_eq!(
        flagged(&report, "without_all", "required_without_all"),
        vec![3]
    );
    assert_eq!(
        message(&report, "with", "required_with"),
        "Required when any of: First Name, Email are filled"
    );
    assert_eq!(
        message(&report, "without_all", "required_without_all"),
        "Required when all of: First Name, Email are empty"
    );

    // A filled cell is never flagged by them.
    let filled = DataFrame::new(
        1,
        vec![
            text("first", &[Some("a")]),
            text("with", &[Some("here")]),
            text("without", &[Some("here")]),
        ],
    )
    .expect("frame");
    let report = check(&c, &filled);
    assert!(flagged(&report, "with", "required_with").is_empty());
    assert!(flagged(&report, "without", "required_without").is_empty());
}

#[test]
fn required_with_values_compares_strictly() {
    let c = config(json!([
        {"key": "plan", "label": "Plan"},
        {"key": "seats", "label": "Seats"},
        {"key": "any", "validators": [{"validate": "required_with_values", "fieldValues": {"plan": ["team", "enterprise"], "seats": 5}}]},
        {"key": "all", "validators": [{"validate": "required_with_all_values", "fieldValues": {"plan": "team", "seats": 5}}]},
        {"key": "not_any", "validators": [{"validate": "required_without_values", "fieldValues": {"plan": "team", "seats": 5}}]},
        {"key": "none", "validators": [{"validate": "required_without_all_values", "fieldValues": {"plan": "team", "seats": 5}}]}
    ]));
    // seats is a JSON number in rows 0-2 and the text "5" nowhere equal to 5 (row 3 is a
    // text column case below).
    let frame = DataFrame::new(
        4,
        vec![
            text(
                "plan",
                &[Some("team"), Some("enterprise"), Some("free"), Some("Team")],
            ),
            Column::new("seats".into(), [Some(5i64), Some(1), Some(5), None]),
        ],
    )
    .expect("frame");
    let report = check(&c, &frame);
    assert_eq!(
        flagged(&report, "any", "required_with_values"),
        vec![0, 1, 2]
    );
    assert_eq!(flagged(&report, "all", "required_with_all_values"), vec![0]);
    // Any listed field not holding its value: every row but the first.
    assert_eq!(
        flagged(&report, "not_any", "required_without_values"),
        vec![1, 2, 3]
    );
    // None holding its value: only rows 1 ("enterprise", 1) and 3 ("Team", null).
    assert_eq!(
        flagged(&report, "none", "required_without_all_values"),
        vec![1, 3]
    );
    assert_eq!(
        message(&report, "all", "required_with_all_values"),
        "Required when all of: Plan is team, Seats is 5"
    );
    assert_eq!(
        message(&report, "none", "required_without_all_values"),
        "Required when none of: Plan is team, Seats is 5"
    );

    // "5" as text is not the number 5.
    let texts = DataFrame::new(
        1,
        vec![text("seats", &[Some("5")]), text("plan", &[Some("x")])],
    )
    .expect("frame");
    let report = check(&c, &texts);
    assert!(flagged(&report, "all", "required_with_all_values").is_empty());
    assert!(flagged(&report, "any", "required_with_values").is_empty());
}

#[test]
fn unique_marks_every_occurrence_and_ignores_empty_cells() {
    let c = config(json!([{"key": "email", "validators": [{"validate": "unique"}]}]));
    let frame = DataFrame::new(
        6,
        vec![text(
            "email",
            &[
                Some("a@x"),
                Some("b@x"),
                Some("a@x"),
                Some(""),
                Some(""),
                None,
            ],
        )],
    )
    .expect("frame");
    let report = check(&c, &frame);
    assert_eq!(flagged(&report, "email", "unique"), vec![0, 2]);
}

#[test]
fn rows_checked_on_their_own_skip_only_the_rules_across_rows() {
    let c = config(json!([
        {"key": "email", "validators": [{"validate": "unique"}, {"validate": "required"}]},
        {"key": "zip", "validators": [{"validate": "regex_matches", "regex": "^\\d{5}$"}]},
    ]));
    assert_eq!(across_rows(&c), vec![(0, "email")]);
    let frame = DataFrame::new(
        3,
        vec![
            text("email", &[Some("a@x"), Some("a@x"), None]),
            text("zip", &[Some("12345"), Some("1234"), Some("1")]),
        ],
    )
    .expect("frame");
    let each = check_each_row(&c, &frame);
    assert!(
        flagged(&each, "email", "unique").is_empty(),
        "not judged here"
    );
    assert_eq!(flagged(&each, "email", "required"), vec![2]);
    assert_eq!(flagged(&each, "zip", "regex_matches"), vec![1, 2]);
    // Every other rule's result is the whole check's.
    let whole = check(&c, &frame);
    let without_unique: Vec<CellError> = whole
        .errors
        .iter()
        .copied()
        .filter(|e| e.rule != 0)
        .collect();
    assert_eq!(each.errors, without_unique);
    assert_eq!(each.rules, whole.rules);
}

#[test]
fn repeats_among_finds_the_cells_holding_the_values_and_whether_they_repeat() {
    let column = text(
        "email",
        &[
            Some("a@x"),
            Some("b@x"),
            Some("a@x"),
            Some(""),
            None,
            Some("c@x"),
        ],
    );
    let values = text(
        "email",
        &[Some("a@x"), Some("c@x"), Some(""), None, Some("d@x")],
    );
    let none = text("email", &[]);
    assert_eq!(
        repeats_among(&column, &[], &none, &values),
        vec![(0, true), (2, true), (5, false)],
        "empty cells are never repeats; a value no cell holds finds nothing"
    );
    // Cells replaced (corrected) count as their new values: row 2 is no longer a@x, row 3
    // (empty as sent) now holds c@x.
    let replaced = text("email", &[Some("b@x"), Some("c@x")]);
    assert_eq!(
        repeats_among(&column, &[2, 3], &replaced, &values),
        vec![(0, false), (3, true), (5, true)]
    );
    // Numbers are compared as numbers, and text "5" is not the number 5.
    let numbers = Column::new("n".into(), [Some(5i64), Some(5), Some(7)]);
    let no_numbers = Column::new("n".into(), Vec::<i64>::new());
    assert_eq!(
        repeats_among(&numbers, &[], &no_numbers, &Column::new("n".into(), [5i64])),
        vec![(0, true), (1, true)]
    );
    assert!(repeats_among(&numbers, &[], &no_numbers, &text("n", &[Some("5")])).is_empty());
}

#[test]
fn repeats_among_with_an_index_gives_the_same_answer_as_reading_every_cell() {
    let both = |column: &Column, rows: &[u32], replaced: &Column, values: &Column| {
        let index = ValueIndex::new(column);
        let indexed = repeats_among_indexed(column, &index, rows, replaced, values);
        assert_eq!(
            indexed,
            repeats_among(column, rows, replaced, values),
            "{rows:?}"
        );
        indexed
    };
    let column = text(
        "email",
        &[
            Some("a@x"),
            Some("b@x"),
            Some("a@x"),
            Some(""),
            None,
            Some("c@x"),
        ],
    );
    let values = text(
        "email",
        &[Some("a@x"), Some("c@x"), Some(""), None, Some("d@x")],
    );
    assert_eq!(
        both(&column, &[], &text("email", &[]), &values),
        vec![(0, true), (2, true), (5, false)]
    );
    let replaced = text("email", &[Some("b@x"), Some("c@x")]);
    assert_eq!(
        both(&column, &[2, 3], &replaced, &values),
        vec![(0, false), (3, true), (5, true)]
    );
    // Many rows, values repeating in patterns, several replaced (one to empty).
    let many: Vec<Option<String>> = (0..2_000)
        .map(|i| (i % 13 != 0).then(|| format!("v{}", i % 97)))
        .collect();
    let many: Vec<Option<&str>> = many.iter().map(|v| v.as_deref()).collect();
    let column = text("email", &many);
    let rows = [5u32, 97, 1_500, 13];
    let replaced = text("email", &[Some("v1"), Some("new"), Some(""), Some("v5")]);
    let values = text(
        "email",
        &[Some("v5"), Some("v0"), Some("new"), Some("v96"), Some("v1")],
    );
    let found = both(&column, &rows, &replaced, &values);
    assert!(
        found.iter().any(|(row, _)| *row == 13),
        "a row replaced into a value counts"
    );
    assert!(
        found.iter().all(|(row, _)| *row != 1_500),
        "a row replaced by empty holds none"
    );
    let numbers = Column::new("n".into(), [Some(5i64), Some(5), Some(7), None]);
    let no = Column::new("n".into(), Vec::<i64>::new());
    both(&numbers, &[], &no, &Column::new("n".into(), [5i64, 7]));
    both(
        &numbers,
        &[1],
        &Column::new("n".into(), [7i64]),
        &Column::new("n".into(), [5i64, 7]),
    );
}

#[test]
fn regexes_are_ecmascript_and_search_unanchored() {
    let field = |key: &str, regex: &str, flags: serde_json::Value| json!({"key": key, "validators": [{"validate": "regex_matches", "regex": regex, "regexFlags": flags}]});
    let c = config(json!([
        field("price", r"(?<=\$)\d+", json!({})),
        field("digits", r"^\d+$", json!({"unicode": true})),
        field("any", r"a[^]b", json!({})),
        field("double", r"(\w)\1", json!({})),
        field("word", r"^abc$", json!({"ignoreCase": true})),
        field("lines", r"^b$", json!({"multiline": true})),
        field("dot", r"^a.b$", json!({"dotAll": true})),
        field("inside", r"\d{3}", json!({})),
        {"key": "code", "validators": [{"validate": "regex_excludes", "regex": "^x", "error": "No x codes"}]}
    ]));
    let frame = DataFrame::new(
        2,
        vec![
            text("price", &[Some("costs $15"), Some("costs 15")]),
            // Arabic-Indic digits are not \d in JavaScript, even with the u flag.
            text("digits", &[Some("123"), Some("١٢٣")]),
            text("any", &[Some("a\nb"), Some("ab")]),
            text("double", &[Some("hoot"), Some("hot")]),
            text("word", &[Some("ABC"), Some("abd")]),
            text("lines", &[Some("a\nb"), Some("a\nc")]),
            text("dot", &[Some("a\nb"), Some("a\n\nb")]),
            text("inside", &[Some("tel 555-1234"), Some("tel 55")]),
            text("code", &[Some("x1"), Some("y1")]),
        ],
    )
    .expect("frame");
    let report = check(&c, &frame);
    for column in [
        "price", "digits", "any", "double", "word", "lines", "dot", "inside",
    ] {
        assert_eq!(
            flagged(&report, column, "regex_matches"),
            vec![1],
            "{column}"
        );
    }
    assert_eq!(flagged(&report, "code", "regex_excludes"), vec![0]);
    assert_eq!(message(&report, "code", "regex_excludes"), "No x codes");
    assert_eq!(
        message(&report, "word", "regex_matches"),
        "Must be abc (in any case)"
    );
}

#[test]
fn a_pattern_a_person_can_read_is_said_in_words() {
    let said = |shown: &str| super::check::pattern_in_words(shown);
    assert_eq!(
        said("/^(1|0|yes|no|true|false|on|off)$/i").as_deref(),
        Some("one of 1, 0, yes, no, true, false, on, off (in any case)")
    );
    assert_eq!(
        said("/^(?:free|team)$/").as_deref(),
        Some("one of free, team")
    );
    assert_eq!(said(r"/^\d{5}$/").as_deref(), Some("5 digits"));
    assert_eq!(said(r"/^[0-9]+$/").as_deref(), Some("digits only"));
    assert_eq!(said(r"/^v1\.2$/").as_deref(), Some("v1.2"));
    // Anything more is shown as the pattern.
    for raw in [
        r"/^[^@]+@[^@]+$/",
        "/abc/",
        r"/^(a|b.*)$/",
        "/^$/",
        r"/^\d{2,4}$/",
    ] {
        assert_eq!(said(raw), None, "{raw}");
    }
}

#[test]
fn empty_cells_and_non_text_values_are_not_tested_by_regexes() {
    let c = config(json!([
        {"key": "zip", "validators": [{"validate": "regex_matches", "regex": "^[0-9]{5}$"}]},
        {"key": "n", "validators": [{"validate": "regex_matches", "regex": "^x$"}]}
    ]));
    let frame = DataFrame::new(
        3,
        vec![
            text("zip", &[None, Some(""), Some("1234")]),
            Column::new("n".into(), [Some(1i64), Some(2), None]),
        ],
    )
    .expect("frame");
    let report = check(&c, &frame);
    assert_eq!(flagged(&report, "zip", "regex_matches"), vec![2]);
    assert!(flagged(&report, "n", "regex_matches").is_empty());
}

#[test]
fn a_select_value_must_be_one_of_the_options() {
    let c = config(json!([
        {"key": "plan", "label": "Plan", "type": "select", "options": [
            {"value": "free", "label": "Free", "alternates": ["gratis"]},
            {"value": "team", "label": "Team"}
        ], "validators": [{"validate": "select"}]},
        {"key": "old", "type": "select", "options": ["a", "b"]},
        {"key": "flag", "type": "boolean", "validators": [{"validate": "boolean"}]}
    ]));
    let frame = DataFrame::new(
        4,
        vec![
            text(
                "plan",
                &[Some("free"), Some("gratis"), Some(""), Some("Team")],
            ),
            text("old", &[Some("a"), Some("c"), None, Some("b")]),
            text("flag", &[Some("maybe"), None, None, None]),
        ],
    )
    .expect("frame");
    let report = check(&c, &frame);
    assert_eq!(flagged(&report, "plan", "select"), vec![1, 3]);
    assert_eq!(flagged(&report, "old", "select"), vec![1]);
    assert_eq!(
        message(&report, "plan", "select"),
        "Not one of the options: free, team"
    );
    // The obsolete select and boolean validators add nothing.
    assert_eq!(report.rules.len(), 2);
}

#[test]
fn a_configuration_is_the_settings_object_or_its_fields() {
    let fields = json!([
        {"key": "email", "label": "Email", "unknown": {"ignored": true},
         "validator": {"validate": "required"}}
    ]);
    let settings =
        json!({"type": "Contacts", "allowInvalidSubmit": true, "fields": fields, "managed": true});
    for input in [fields.clone(), settings] {
        let c = config(input);
        assert_eq!(c.fields.len(), 1);
        assert_eq!(c.fields[0].label, "Email");
        assert_eq!(
            c.fields[0].validators.len(),
            1,
            "the legacy `validator` key"
        );
    }
    for bad in [
        &b"not json"[..],
        br#"{"type": "x"}"#,
        br#"[{"label": "no key"}]"#,
        b"[]",
        b"42",
    ] {
        let e = Config::parse(bad).expect_err(&String::from_utf8_lossy(bad));
        assert!(
            e.to_string().starts_with("not an importer configuration"),
            "{e}"
        );
    }
}

#[test]
fn unusable_validators_are_reported_once_and_skipped() {
    let c = config(json!([
        {"key": "a", "validators": [
            {"validate": "regex_matches", "regex": "(unclosed"},
            {"validate": "is_email"},
            {"validate": "required_with"},
            {"validate": "required"}
        ]}
    ]));
    assert_eq!(c.fields[0].validators.len(), 1);
    let problems: Vec<(&str, &str)> = c
        .problems
        .iter()
        .map(|p| (p.field.as_str(), p.validator.as_str()))
        .collect();
    assert_eq!(
        problems,
        [
            ("a", "regex_matches"),
            ("a", "is_email"),
            ("a", "required_with")
        ]
    );
    assert!(
        c.problems[0].message.contains("does not compile"),
        "{:?}",
        c.problems[0]
    );
}
