//! CloudWatch Logs JSON filter patterns (`{ ($.eventName = X) && ... }`), parsed into their
//! comparisons and operators, so that a check can tell whether a metric filter matches every
//! event a reference pattern (CIS's) matches. Containing every term is not enough: the same
//! terms joined with `&&` where `||` belongs can never match anything.
//!
//! Patterns are compared in the form the inventory keeps them: whitespace and double quotes
//! removed (`$.errorMessage=Failedauthentication`).

use std::collections::BTreeSet;

/// A conjunction of comparisons, each in its normalized text (`$.eventName=ConsoleLogin`).
type Conjunct = BTreeSet<String>;

/// Past this many conjuncts a pattern is too large to judge; it is then not taken as covering.
const MAX_CONJUNCTS: usize = 4096;

enum Expr {
    Comparison(String),
    And(Vec<Expr>),
    Or(Vec<Expr>),
}

struct Parser<'a> {
    text: &'a str,
    at: usize,
}

impl Parser<'_> {
    fn rest(&self) -> &str {
        &self.text[self.at..]
    }

    fn eat(&mut self, token: &str) -> bool {
        if self.rest().starts_with(token) {
            self.at += token.len();
            true
        } else {
            false
        }
    }

    /// `or := and ('||' and)*`
    fn or(&mut self) -> Option<Expr> {
        let mut terms = vec![self.and()?];
        while self.eat("||") {
            terms.push(self.and()?);
        }
        Some(if terms.len() == 1 {
            terms.remove(0)
        } else {
            Expr::Or(terms)
        })
    }

    /// `and := primary ('&&' primary)*`
    fn and(&mut self) -> Option<Expr> {
        let mut terms = vec![self.primary()?];
        while self.eat("&&") {
            terms.push(self.primary()?);
        }
        Some(if terms.len() == 1 {
            terms.remove(0)
        } else {
            Expr::And(terms)
        })
    }

    /// `primary := '(' or ')' | comparison`
    fn primary(&mut self) -> Option<Expr> {
        if self.eat("(") {
            let inner = self.or()?;
            return self.eat(")").then_some(inner);
        }
        let text = self.text;
        let rest = &text[self.at..];
        if !rest.starts_with("$.") {
            return None;
        }
        let end = [")", "&&", "||", "}"]
            .iter()
            .filter_map(|t| rest.find(t))
            .min()
            .unwrap_or(rest.len());
        let comparison = &rest[..end];
        let field_end = comparison
            .find(['=', '!', '<', '>'])
            .or_else(|| {
                ["NOTEXISTS", "EXISTS", "ISNULL", "ISTRUE", "ISFALSE"]
                    .iter()
                    .find_map(|op| comparison.strip_suffix(op).map(str::len))
            })
            .filter(|&i| i > 2)?;
        if comparison.len() == field_end {
            return None;
        }
        self.at += end;
        Some(Expr::Comparison(comparison.to_owned()))
    }
}

fn parse(pattern: &str) -> Option<Expr> {
    let inner = pattern.strip_prefix('{')?.strip_suffix('}')?;
    let mut parser = Parser { text: inner, at: 0 };
    let expr = parser.or()?;
    parser.rest().is_empty().then_some(expr)
}

/// The pattern as an OR of ANDs; `None` when it grows past `MAX_CONJUNCTS`.
fn disjunctive(expr: &Expr) -> Option<Vec<Conjunct>> {
    match expr {
        Expr::Comparison(text) => Some(vec![BTreeSet::from([text.clone()])]),
        Expr::Or(terms) => {
            let mut all = Vec::new();
            for term in terms {
                all.extend(disjunctive(term)?);
            }
            (all.len() <= MAX_CONJUNCTS).then_some(all)
        }
        Expr::And(terms) => {
            let mut product: Vec<Conjunct> = vec![BTreeSet::new()];
            for term in terms {
                let options = disjunctive(term)?;
                if product.len() * options.len() > MAX_CONJUNCTS {
                    return None;
                }
                product = product
                    .iter()
                    .flat_map(|left| {
                        options
                            .iter()
                            .map(move |right| left.union(right).cloned().collect())
                    })
                    .collect();
            }
            Some(product)
        }
    }
}

/// Whether `pattern` matches every event `reference` matches: each way the reference can match
/// (each conjunct of its disjunctive form) is implied by some way the pattern can match (a
/// conjunct whose comparisons the reference's conjunct all requires). A pattern that cannot be
/// parsed, or a reference that cannot, covers nothing.
pub fn covers(pattern: &str, reference: &str) -> bool {
    let (Some(pattern), Some(reference)) = (parse(pattern), parse(reference)) else {
        return false;
    };
    let (Some(pattern), Some(reference)) = (disjunctive(&pattern), disjunctive(&reference)) else {
        return false;
    };
    reference
        .iter()
        .all(|needed| pattern.iter().any(|way| way.is_subset(needed)))
}

#[cfg(test)]
mod tests {
    use super::covers;

    const CIS_4_6: &str = "{($.eventName=ConsoleLogin)&&($.errorMessage=Failedauthentication)}";
    const CIS_4_5: &str = "{($.eventName=CreateTrail)||($.eventName=UpdateTrail)||($.eventName=DeleteTrail)||($.eventName=StartLogging)||($.eventName=StopLogging)}";

    #[test]
    fn the_reference_covers_itself_however_grouped() {
        assert!(covers(CIS_4_6, CIS_4_6));
        assert!(covers(CIS_4_5, CIS_4_5));
        assert!(covers(
            "{$.errorMessage=Failedauthentication&&$.eventName=ConsoleLogin}",
            CIS_4_6
        ));
        let root = "{$.userIdentity.type=Root&&$.userIdentity.invokedByNOTEXISTS&&$.eventType!=AwsServiceEvent}";
        assert!(covers(root, root));
        let kms = "{($.eventSource=kms.amazonaws.com)&&(($.eventName=DisableKey)||($.eventName=ScheduleKeyDeletion))}";
        let distributed = "{(($.eventSource=kms.amazonaws.com)&&($.eventName=DisableKey))||(($.eventSource=kms.amazonaws.com)&&($.eventName=ScheduleKeyDeletion))}";
        assert!(covers(distributed, kms));
    }

    #[test]
    fn every_term_present_but_never_matching_does_not_cover() {
        // The terms of 4.5, joined with && where || belongs: no event has five names.
        let anded = CIS_4_5.replace("||", "&&");
        assert!(!covers(&anded, CIS_4_5));
        // A contradiction added to 4.6.
        assert!(!covers(
            "{($.eventName=ConsoleLogin)&&($.errorMessage=Failedauthentication)&&($.eventName!=ConsoleLogin)}",
            CIS_4_6
        ));
        // A narrower filter misses events the reference catches.
        assert!(!covers(
            "{($.eventName=CreateTrail)||($.eventName=UpdateTrail)}",
            CIS_4_5
        ));
    }

    #[test]
    fn a_broader_filter_covers_and_garbage_does_not() {
        assert!(covers("{$.eventName=ConsoleLogin}", CIS_4_6));
        for bad in [
            "",
            "ConsoleLogin",
            "{($.eventName=ConsoleLogin)&&()}",
            "{($.eventName=X}",
            "{$.eventName}",
        ] {
            assert!(!covers(bad, CIS_4_6), "{bad}");
        }
    }
}
