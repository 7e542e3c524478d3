//! Text compared with a number, said before Polars would. A column whose values were not all
//! numbers stays text (so it prints back as sent), and `revenue > 4900000` on it would fail
//! in Polars' words ("cannot compare string with numeric type (i32)"); the filter's author
//! gets the column's name and the two ways to write what they meant.

use polars::prelude::{DataType, Schema};
use sqlparser::ast::{BinaryOperator, Expr, UnaryOperator, Value};
use sqlparser::dialect::GenericDialect;
use sqlparser::parser::Parser;

/// The first comparison in `sql` of a text column with a number, said as what to do.
pub(crate) fn text_against_number(sql: &str, schema: &Schema) -> Option<String> {
    let expr = Parser::new(&GenericDialect {})
        .try_with_sql(sql)
        .ok()?
        .parse_expr()
        .ok()?;
    find(&expr, schema)
}

fn find(expr: &Expr, schema: &Schema) -> Option<String> {
    match expr {
        Expr::BinaryOp { left, op, right } => {
            let compares = matches!(
                op,
                BinaryOperator::Gt
                    | BinaryOperator::Lt
                    | BinaryOperator::GtEq
                    | BinaryOperator::LtEq
                    | BinaryOperator::Eq
                    | BinaryOperator::NotEq
            );
            let pair = || {
                let (column, number) = match (text_column(left, schema), number(right)) {
                    (Some(c), Some(n)) => (c, n),
                    _ => (text_column(right, schema)?, number(left)?),
                };
                let side_by_side = text_column(left, schema).is_some();
                let (cast, quoted) = if side_by_side {
                    (
                        format!("CAST({column} AS DOUBLE) {op} {number}"),
                        format!("{column} {op} '{number}'"),
                    )
                } else {
                    (
                        format!("{number} {op} CAST({column} AS DOUBLE)"),
                        format!("'{number}' {op} {column}"),
                    )
                };
                Some(said(&column, &cast, &quoted))
            };
            compares
                .then(pair)
                .flatten()
                .or_else(|| find(left, schema))
                .or_else(|| find(right, schema))
        }
        Expr::Between {
            expr: inner,
            negated,
            low,
            high,
        } => {
            let found = text_column(inner, schema).and_then(|column| {
                let (low, high) = (number(low)?, number(high)?);
                let not = if *negated { "NOT " } else { "" };
                Some(said(
                    &column,
                    &format!("CAST({column} AS DOUBLE) {not}BETWEEN {low} AND {high}"),
                    &format!("{column} {not}BETWEEN '{low}' AND '{high}'"),
                ))
            });
            found
                .or_else(|| find(inner, schema))
                .or_else(|| find(low, schema))
                .or_else(|| find(high, schema))
        }
        Expr::Nested(inner) | Expr::UnaryOp { expr: inner, .. } => find(inner, schema),
        _ => None,
    }
}

fn said(column: &str, cast: &str, quoted: &str) -> String {
    format!(
        "{column} is text (not all its values were numbers, so they are kept as sent) and is \
         compared with a number: compare it as a number with {cast}, or as text with {quoted}"
    )
}

/// The name of the text column `expr` is, written as the filter needs it.
fn text_column(expr: &Expr, schema: &Schema) -> Option<String> {
    let Expr::Identifier(ident) = expr else {
        return None;
    };
    let dtype = schema.get(ident.value.as_str())?;
    if *dtype != DataType::String {
        return None;
    }
    Some(ident.to_string())
}

/// The number `expr` is, as written (a leading minus included).
fn number(expr: &Expr) -> Option<String> {
    match expr {
        Expr::Value(v) => match &v.value {
            Value::Number(n, _) => Some(n.to_string()),
            _ => None,
        },
        Expr::UnaryOp {
            op: UnaryOperator::Minus,
            expr,
        } => number(expr).map(|n| format!("-{n}")),
        Expr::Nested(inner) => number(inner),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use polars::prelude::Field;

    fn schema() -> Schema {
        Schema::from_iter([
            Field::new("revenue".into(), DataType::String),
            Field::new("annual revenue".into(), DataType::String),
            Field::new("seats".into(), DataType::Int64),
        ])
    }

    #[test]
    fn a_text_column_against_a_number_names_the_column_and_both_ways() {
        let said = |sql: &str| text_against_number(sql, &schema());
        assert_eq!(
            said("revenue > 4900000").as_deref(),
            Some(
                "revenue is text (not all its values were numbers, so they are kept as sent) \
                 and is compared with a number: compare it as a number with \
                 CAST(revenue AS DOUBLE) > 4900000, or as text with revenue > '4900000'"
            )
        );
        let flipped = said("seats > 1 AND (10 <= \"annual revenue\")").expect("found");
        assert!(
            flipped.contains("10 <= CAST(\"annual revenue\" AS DOUBLE)"),
            "{flipped}"
        );
        let between = said("revenue NOT BETWEEN -5 AND 10").expect("found");
        assert!(
            between.contains("CAST(revenue AS DOUBLE) NOT BETWEEN -5 AND 10"),
            "{between}"
        );
        // A number column, text against text, and a cast are all fine.
        for fine in [
            "seats > 10",
            "revenue > '4900000'",
            "CAST(revenue AS DOUBLE) > 4900000",
            "not sql at all ((",
        ] {
            assert_eq!(said(fine), None, "{fine}");
        }
    }
}
