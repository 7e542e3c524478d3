use super::*;
use crate::rows::Values;
use serde_json::json;

fn body(v: serde_json::Value) -> Vec<u8> {
    serde_json::to_vec(&v).expect("serialise")
}

fn payload(index: i64, count: i64) -> serde_json::Value {
    json!({
        "event": {"id": "ev-1", "type": "batch.update", "sequence": {"index": index, "count": count}},
        "data": {
            "meta": {"batch": {"id": "b-1"}, "schema": {"id": 8}, "count": 3},
            "validRows": [{"name": "Rack", "qty": 2}, {"name": "Desk", "qty": 5}],
            "invalidRows": [{"name": "", "color": "fuschia"}]
        }
    })
}

fn contract_error(v: serde_json::Value) -> String {
    let err = parse(&body(v)).expect_err("must be rejected");
    assert_eq!(err.kind, PayloadErrorKind::Contract, "{err}");
    err.message
}

#[test]
fn parses_the_documented_payload() {
    let part = parse(&body(payload(2, 3))).expect("valid");
    let e = &part.envelope;
    assert_eq!(
        (e.event_id.as_str(), e.event_type.as_str(), e.index, e.count),
        ("ev-1", "batch.update", 2, 3)
    );
    assert_eq!((e.batch_id.as_str(), e.schema_id), ("b-1", Some(8)));
    assert_eq!(
        (e.valid_rows, e.invalid_rows, e.declared_rows),
        (2, 1, Some(3))
    );
    assert!(!e.count_mismatch());
    let names: Vec<_> = part
        .rows
        .columns()
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(names, ["name", "qty", "color"]);
    assert_eq!(part.rows.len(), 3);
    assert_eq!(
        part.rows.columns()[1].values,
        Values::Int(vec![Some(2), Some(5), None])
    );
}

#[test]
fn accepts_the_documented_variants() {
    let v = json!({
        "event": {"id": "ev", "type": "batch.upload", "sequence": {"index": 1, "count": 1}},
        "data": {"meta": {"batch": {"id": "b"}, "settings": {"id": null}, "length": 5}}
    });
    let part = parse(&body(v)).expect("valid");
    assert_eq!(part.envelope.schema_id, None);
    assert_eq!(part.envelope.declared_rows, Some(5));
    assert!(part.envelope.count_mismatch(), "5 declared, 0 present");
    assert!(part.rows.is_empty());

    let v = json!({
        "event": {"id": "ev", "type": "x", "sequence": {"index": 1, "count": 1}},
        "data": {"meta": {"batch": {"id": "b"}, "settings": {"id": 12}},
                 "validRows": [], "invalidRows": null}
    });
    assert_eq!(parse(&body(v)).expect("valid").envelope.schema_id, Some(12));
}

#[test]
fn nested_values_are_kept_as_json_text_and_strings_are_not_retyped() {
    let v = json!({
        "event": {"id": "ev", "sequence": {"index": 1, "count": 1}},
        "data": {"meta": {"batch": {"id": "b"}},
                 "validRows": [{"zip": "00123", "tags": ["a", 1], "obj": {"k": true}, "big": 18446744073709551615u64}]}
    });
    let mut bytes = body(v);
    // Beyond 64 bits (serde_json's own Value could not even hold it).
    let at = bytes.len() - 4;
    bytes.splice(
        at..at,
        br#","huge":-123456789012345678901234567890"#.iter().copied(),
    );
    let part = parse(&bytes).expect("valid");
    let text: Vec<_> = part
        .rows
        .columns()
        .iter()
        .map(|c| c.values.to_text().get(0).map(str::to_owned))
        .collect();
    assert_eq!(
        text,
        [
            Some("00123".to_owned()),
            Some(r#"["a",1]"#.to_owned()),
            Some(r#"{"k":true}"#.to_owned()),
            Some("18446744073709551615".to_owned()),
            Some("-123456789012345678901234567890".to_owned()),
        ]
    );
    assert!(matches!(part.rows.columns()[0].values, Values::Text(_)));
}

#[test]
fn not_json_is_its_own_kind() {
    for bad in [&b"{"[..], b"hello", b"", b"{\"event\":1} trailing"] {
        let err = parse(bad).expect_err("not JSON");
        assert_eq!(err.kind, PayloadErrorKind::NotJson, "{bad:?}: {err}");
    }
}

#[test]
fn contract_breaches_name_the_field() {
    let mut v = payload(1, 1);
    v["event"].as_object_mut().expect("object").remove("id");
    assert!(contract_error(v).contains("event"), "missing id");

    assert!(contract_error(payload(-1, 3)).contains("event.sequence.index is -1"));
    assert!(contract_error(payload(4, 3)).contains("event.sequence.index is 4"));
    assert!(contract_error(payload(1, 0)).contains("event.sequence.count is 0"));

    let mut v = payload(1, 1);
    v["data"]["validRows"] = json!([{"a": 1}, "not a row"]);
    let msg = contract_error(v);
    assert!(
        msg.contains("data.validRows") && msg.contains("row object"),
        "{msg}"
    );

    let mut v = payload(1, 1);
    v["event"]["id"] = json!("");
    assert!(contract_error(v).contains("event.id is empty"));

    let mut v = payload(1, 1);
    v["data"]["meta"]["batch"] = json!({});
    assert!(contract_error(v).contains("data.meta.batch"));

    assert!(contract_error(json!([1, 2])).contains("invalid type"));
}

#[test]
fn contract_errors_speak_json_not_the_parser_s_types() {
    let cases = [
        (
            json!({"event": {"id": "x"}, "data": [1]}),
            "data[0]: invalid type: integer `1`, expected an object",
        ),
        (
            json!({"event": [], "data": {}}),
            "event: invalid type: array, expected an object",
        ),
        (json!([]), "invalid type: array, expected an object"),
    ];
    for (v, said) in cases {
        assert_eq!(contract_error(v), said);
    }
    let mut v = payload(1, 1);
    v["data"]["meta"]["batch"] = json!(7);
    assert_eq!(
        contract_error(v),
        "data.meta.batch: invalid type: integer `7`, expected an object"
    );
    let mut v = payload(1, 1);
    v["event"]["sequence"]["index"] = json!("a");
    assert_eq!(
        contract_error(v),
        "event.sequence.index: invalid type: string \"a\", expected a whole number"
    );
}

/// A body of the shape real Portal 2 deliveries have (Flatfile's "legacy payload").
fn real_shaped(sequence: serde_json::Value) -> serde_json::Value {
    json!({
        "event": {"id": "ev-r", "type": "batch:v1:upload", "sequence": sequence},
        "data": {
            "meta": {"batch": {"id": "b-r"}, "settings": {"id": null}, "length": 2},
            "customer": {
                "id": "7d3c", "userId": "u-42", "name": "{\"tenant\":\"acme\"}",
                "email": null, "companyId": null, "companyName": "Acme", "teamId": 9,
                "createdAt": "2026-11-01T10:00:00.000Z", "updatedAt": "2026-11-01T10:00:00.000Z",
                "extra": [1, 2]
            },
            "validRows": [{"name": "Rack", "height_cm": "55"}],
            "invalidRows": [{"name": "", "height_cm": ""}]
        }
    })
}

#[test]
fn parses_the_shape_real_deliveries_have() {
    let part = parse(&body(real_shaped(json!({"length": 1, "index": 0})))).expect("valid");
    let e = &part.envelope;
    assert_eq!((e.index, e.count, e.likely_base), (0, 1, 0));
    assert_eq!(e.event_type, "batch:v1:upload");
    assert_eq!(e.schema_id, None);
    assert!(!e.count_mismatch());
    // The customer block is kept as sent, extra keys and key order included.
    let customer = e.customer.as_deref().expect("customer");
    assert!(
        customer.starts_with(r#"{"id":"7d3c","userId":"u-42""#),
        "{customer}"
    );
    assert!(customer.ends_with(r#""extra":[1,2]}"#), "{customer}");
    // Cells stay text here; typing is the frame's business.
    assert!(matches!(part.rows.columns()[1].values, Values::Text(_)));

    let e = parse(&body(real_shaped(json!({"length": 3, "index": 2}))))
        .expect("valid")
        .envelope;
    assert_eq!((e.index, e.count), (2, 3));
    let e = parse(&body(real_shaped(json!({"count": 3, "index": 3}))))
        .expect("valid")
        .envelope;
    assert_eq!((e.index, e.count), (3, 3), "1-based, as documented");
    assert_eq!(e.likely_base, 1, "count: likely from 1");
    let e = parse(&body(real_shaped(
        json!({"count": 2, "length": 2, "index": 1}),
    )))
    .expect("valid")
    .envelope;
    assert_eq!((e.index, e.count), (1, 2), "both fields, agreeing");
}

#[test]
fn sequence_breaches_say_which_field() {
    let msg = contract_error(real_shaped(json!({"count": 2, "length": 3, "index": 1})));
    assert!(
        msg.contains("count is 2 but event.sequence.length is 3"),
        "{msg}"
    );
    let msg = contract_error(real_shaped(json!({"length": 2, "index": 3})));
    assert!(
        msg.contains("index is 3") && msg.contains("length (2)"),
        "{msg}"
    );
    let msg = contract_error(real_shaped(json!({"length": 0, "index": 0})));
    assert!(msg.contains("event.sequence.length is 0"), "{msg}");
    let msg = contract_error(real_shaped(json!({"length": 2, "index": -1})));
    assert!(msg.contains("index is -1"), "{msg}");
    let msg = contract_error(real_shaped(json!({"index": 0})));
    assert!(msg.contains("missing field length"), "{msg}");
}

#[test]
fn a_null_customer_is_no_customer() {
    let mut v = real_shaped(json!({"length": 1, "index": 0}));
    v["data"]["customer"] = json!(null);
    assert_eq!(parse(&body(v)).expect("valid").envelope.customer, None);
    let e = parse(&body(payload(1, 1))).expect("valid").envelope;
    assert_eq!(e.customer, None);
}

#[test]
fn as_sent_keeps_every_cell_as_its_text() {
    let raw = br#"{"event":{"id":"e","sequence":{"index":0,"length":1}},"data":{"meta":{"batch":{"id":"b"}},"validRows":[{"a":1.50,"b":1e3,"c":true,"d":null,"e":"x\"y","f":[1, 2],"g":"","h":-0}]}}"#;
    let part = parse_as_sent(raw).expect("valid");
    let text: Vec<_> = part
        .rows
        .columns()
        .iter()
        .map(|c| {
            assert!(
                matches!(c.values, Values::Text(_) | Values::Null(_)),
                "{c:?}"
            );
            c.values.to_text().get(0).map(str::to_owned)
        })
        .collect();
    let expected = ["1.50", "1e3", "true"].map(|s| Some(s.to_owned()));
    assert_eq!(text[..3], expected);
    assert_eq!(text[3], None);
    assert_eq!(text[4].as_deref(), Some("x\"y"));
    assert_eq!(text[5].as_deref(), Some("[1, 2]"));
    assert_eq!(text[6].as_deref(), Some(""));
    assert_eq!(text[7].as_deref(), Some("-0"));
    assert_eq!(part.envelope, parse(raw).expect("valid").envelope);
}

#[test]
fn a_request_without_sequence_is_a_single_part() {
    let mut v = payload(1, 1);
    v["event"]
        .as_object_mut()
        .expect("object")
        .remove("sequence");
    let e = parse(&body(v)).expect("valid").envelope;
    assert_eq!((e.index, e.count), (1, 1));
}

#[test]
fn escaped_keys_and_values_are_decoded() {
    let raw = br#"{"event":{"id":"e","sequence":{"index":1,"count":1}},"data":{"meta":{"batch":{"id":"b"}},"validRows":[{"n\u00e4me":"caf\u00e9 \"x\""}]}}"#;
    let part = parse(raw).expect("valid");
    assert_eq!(part.rows.columns()[0].name, "näme");
    assert_eq!(
        part.rows.columns()[0].values.to_text().get(0),
        Some("café \"x\"")
    );
}

#[test]
fn counts_past_the_bound_are_refused_with_it() {
    let msg = contract_error(real_shaped(
        json!({"length": 4294967295u64, "index": 4294967295u64}),
    ));
    assert!(
        msg.contains("event.sequence.length is 4294967295") && msg.contains("at most 100000"),
        "{msg}"
    );
    let at_bound = real_shaped(json!({"length": MAX_PARTS, "index": MAX_PARTS - 1}));
    assert_eq!(
        parse(&body(at_bound)).expect("at the bound").envelope.count,
        MAX_PARTS
    );
}

/// One row `{"v": <raw>}` as the parser reads it.
fn one_cell(raw: &str) -> Values {
    let bytes = format!(
        r#"{{"event":{{"id":"ev"}},"data":{{"meta":{{"batch":{{"id":"b"}}}},"validRows":[{{"v":{raw}}}]}}}}"#
    );
    let part = parse(bytes.as_bytes()).expect("valid");
    part.rows.columns()[0].values.clone()
}

#[test]
fn numbers_a_float_cannot_hold_are_kept_as_their_text() {
    for raw in [
        "1e400",
        "-1e400",
        "1e-400",
        "123456789012345678901234567890.5",
        "0.1000000000000000000000000001",
        "4.9e-325",
    ] {
        let values = one_cell(raw);
        assert!(matches!(values, Values::Text(_)), "{raw}: {values:?}");
        assert_eq!(values.to_text().get(0), Some(raw), "{raw} exactly as sent");
    }
    for (raw, float) in [
        ("1.5", 1.5),
        ("1.50", 1.5),
        ("0.0", 0.0),
        ("-0.0", -0.0),
        ("1e300", 1e300),
        ("2815711.30", 2815711.3),
        ("0.30000000000000004", 0.30000000000000004),
        ("1.7976931348623157e308", f64::MAX),
        ("5e-324", 5e-324),
    ] {
        let values = one_cell(raw);
        match values {
            Values::Float(ref floats) => {
                assert_eq!(floats.first().copied().flatten(), Some(float), "{raw}")
            }
            other => panic!("{raw} should stay a float: {other:?}"),
        }
    }
}

#[test]
fn a_byte_order_mark_and_lone_surrogates_are_read_past() {
    let mut with_bom = b"\xEF\xBB\xBF".to_vec();
    with_bom.extend(body(payload(1, 3)));
    assert_eq!(
        parse(&with_bom).expect("a BOM is skipped"),
        parse(&body(payload(1, 3))).expect("plain")
    );
    // What JSON.stringify writes for a string cut through an emoji.
    let cut = br#"{"event":{"id":"ev"},"data":{"meta":{"batch":{"id":"b"}},"validRows":[{"name":"Ad\ud83d","ok":"\ud83d\ude00"}]}}"#;
    let part = parse(cut).expect("lone surrogates are accepted");
    let cells: Vec<_> = part
        .rows
        .columns()
        .iter()
        .map(|c| c.values.to_text().get(0).map(str::to_owned))
        .collect();
    assert_eq!(
        cells,
        [Some("Ad\u{FFFD}".to_owned()), Some("😀".to_owned())]
    );
    let as_sent = parse_as_sent(cut).expect("as sent too");
    assert_eq!(as_sent.rows.len(), 1);
}

/// `check` says what `parse` says of a body: the same envelope, or the same error; and the
/// scanner reads the rows exactly as serde reads them, as sent too.
fn agree(body: &[u8]) {
    let parsed = parse(body).map(|p| p.envelope);
    assert_eq!(
        check(body),
        parsed,
        "on {:?}",
        String::from_utf8_lossy(body)
    );
    assert_eq!(
        parse(body),
        super::parse_with::<false>(body),
        "read on {:?}",
        String::from_utf8_lossy(body)
    );
    assert_eq!(
        parse_as_sent(body),
        super::parse_with::<true>(body),
        "read as sent on {:?}",
        String::from_utf8_lossy(body)
    );
}

#[test]
fn checking_a_body_says_what_parsing_it_says() {
    let mut bodies: Vec<Vec<u8>> = vec![
        body(payload(2, 3)),
        body(real_shaped(json!({"index": 0, "length": 2}))),
        body(json!({"event": {"id": "e"}, "data": {"meta": {"batch": {"id": "b"}}}})),
        body(json!({"event": {"id": "e"}, "data": {"meta": {"batch": {"id": "b"}},
                    "validRows": null, "invalidRows": [{"a": {"deep": [1, 2]}}]}})),
        body(json!({"event": {"id": "e"}, "data": {"meta": {"batch": {"id": "b"}},
                    "validRows": "rows"}})),
        body(json!({"event": {"id": "e"}, "data": {"meta": {"batch": {"id": "b"}},
                    "validRows": [{"a": 1}, [1, 2]]}})),
        body(json!({"event": {"id": "e"}, "data": {"meta": {"batch": {"id": "b"}},
                    "validRows": [{"a": 1}, 7]}})),
        body(json!({"event": {"id": ""}, "data": {"meta": {"batch": {"id": "b"}}}})),
        body(json!({"event": {"id": "e", "sequence": {"index": 9, "count": 2}},
                    "data": {"meta": {"batch": {"id": "b"}}}})),
        b"{\"event\": {\"id\": \"e\"}, \"data\": {\"meta\": {\"batch\": {\"id\": \"b\"}}, \"validRows\": [{\"a\": 1e400, \"b\": 123456789012345678901234567890}]}}".to_vec(),
        br#"{"event": {"id": "e"}, "data": {"meta": {"batch": {"id": "b"}}, "validRows": [{"a": "cut \ud83d", "k\"ey": "x\ny"}]}}"#.to_vec(),
        b"\xEF\xBB\xBF{\"event\": {\"id\": \"e\"}, \"data\": {\"meta\": {\"batch\": {\"id\": \"b\"}}}}".to_vec(),
        b"{\"event\": {\"id\": \"e\"}, \"data\": {\"meta\": {\"batch\": {\"id\": \"b\"}}, \"validRows\": [{\"a\": \"\xff\xfe\"}]}}".to_vec(),
        b"{\"event\": {\"id\": \"e\"}, \"data\": {\"meta\": {\"batch\": {\"id\": \"b\"}}, \"validRows\": [{\"a\": 1}]}} trailing".to_vec(),
        b"{\"event\": {\"id\": \"e\"}, \"data\": {\"meta\": {\"batch\": {\"id\": \"b\"}}, \"validRows\": [{\"a\": 1,}]}}".to_vec(),
        b"not json".to_vec(),
        Vec::new(),
        // Keys as a row's skim and its reading may see them differently: a lone surrogate, a
        // byte that is not UTF-8, a raw control character; an empty row; a row that is text.
        br#"{"event": {"id": "e"}, "data": {"meta": {"batch": {"id": "b"}}, "validRows": [{"\ud800": "x"}]}}"#.to_vec(),
        b"{\"event\": {\"id\": \"e\"}, \"data\": {\"meta\": {\"batch\": {\"id\": \"b\"}}, \"validRows\": [{\"k\xff\": 1}]}}".to_vec(),
        b"{\"event\": {\"id\": \"e\"}, \"data\": {\"meta\": {\"batch\": {\"id\": \"b\"}}, \"validRows\": [{\"k\x01\": 1}]}}".to_vec(),
        br#"{"event": {"id": "e"}, "data": {"meta": {"batch": {"id": "b"}}, "validRows": [{}, {"a": 1}]}}"#.to_vec(),
        br#"{"event": {"id": "e"}, "data": {"meta": {"batch": {"id": "b"}}, "invalidRows": [{"a": 1}, "row"]}}"#.to_vec(),
    ];
    bodies.push(body(
        json!({"event": {"id": "e"}, "data": {"meta": {"batch": {"id": "b"}},
                             "validRows": [{"a": null, "b": true, "c": -0.5}]}}),
    ));
    // What the scanner reads and what it leaves to serde, side by side in one body: escaped
    // values, numbers of every form, a nested value in a later row, keys new in a later row,
    // a repeated key, whitespace everywhere, rows in both arrays.
    bodies.push(
        br#" { "event" : {"id":"e"} , "data" : { "meta":{"batch":{"id":"b"}},
        "validRows" : [ { "a" : "q\"uote\\\u00e9\n" , "n" : -0 , "f" : 1.50 , "g" : 2E-3 } ,
                        {"a":"x","n":123456789012345678901234567890,"h":true,"a":"again"},
                        {"z": {"deep": [1, {"x": null}]}, "a": "y"} ],
        "invalidRows" : [ {"f": 1e400, "i": null}, { } ] } } "#
            .to_vec(),
    );
    bodies.push(br#"{"event":{"id":"e"},"data":{"meta":{"batch":{"id":"b"}},"invalidRows":[{"a":"1"},{"b":"2"}],"validRows":[{"b":"3"}]}}"#.to_vec());
    for b in &bodies {
        agree(b);
    }
}

proptest::proptest! {
    /// Whatever a byte changed, added or dropped does to a body, checking and parsing agree.
    #[test]
    fn checking_agrees_with_parsing_on_damaged_bodies(
        at in 0usize..1_000,
        byte in proptest::prelude::any::<u8>(),
        how in 0u8..3,
    ) {
        let mut b = body(real_shaped(json!({"index": 1, "length": 3})));
        let at = at % b.len();
        match how {
            0 => b[at] = byte,
            1 => b.insert(at, byte),
            _ => drop(b.remove(at)),
        }
        agree(&b);
    }
}

#[test]
fn the_rows_of_a_usual_part_are_read_by_the_scanner() {
    let sample = crate::sample::SampleBatch {
        event_id: "e".into(),
        batch_id: "b".into(),
        parts: 2,
        rows_per_part: 50,
        invalid_every: 7,
    };
    for body in [
        sample.body(1),
        body(real_shaped(json!({"index": 0, "length": 2}))),
    ] {
        let checked = check_body(&body).expect("checked");
        let rows = super::scanned::<false>(&body, &checked).expect("scanned, not left to serde");
        assert_eq!(rows, parse(&body).expect("parsed").rows);
    }
    // A cell the scanner cannot read exactly (a lone surrogate) leaves the body to serde.
    let cut = br#"{"event":{"id":"ev"},"data":{"meta":{"batch":{"id":"b"}},"validRows":[{"name":"Ad\ud83d"}]}}"#;
    let checked = check_body(cut).expect("checked");
    assert!(super::scanned::<false>(cut, &checked).is_none());
}
