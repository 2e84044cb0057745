//! Compatibility modes and policies (Confluent Schema Registry's), and the verdict of a change
//! under them.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use super::bump::Bump;
use super::kind::{ChangeKind, Class, Rule};

/// Which direction(s) a change must be compatible in, and against which versions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    /// No compatibility requirement: every change is compatible; bumps are still checked.
    None,
    /// The new schema accepts the data of the previous version.
    Backward,
    /// The previous schema accepts the data of the new version.
    Forward,
    /// Both.
    Full,
    /// The new schema accepts the data of every published version.
    BackwardTransitive,
    /// Every published schema accepts the data of the new version.
    ForwardTransitive,
    /// Both, against every published version.
    FullTransitive,
}

/// How closed content models are judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Policy {
    /// Confluent's classic rules: a closed schema rejects a property it does not declare.
    Strict,
    /// The robustness principle: readers ignore properties they do not declare.
    Lenient,
}

/// One direction of compatibility.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// The new schema accepts old payloads.
    Backward,
    /// The old schema accepts new payloads.
    Forward,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Backward => "backward",
            Direction::Forward => "forward",
        }
    }
}

impl Mode {
    pub const NAMES: &'static [&'static str] = &[
        "backward",
        "forward",
        "full",
        "backward-transitive",
        "forward-transitive",
        "full-transitive",
        "none",
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Mode::None => "none",
            Mode::Backward => "backward",
            Mode::Forward => "forward",
            Mode::Full => "full",
            Mode::BackwardTransitive => "backward-transitive",
            Mode::ForwardTransitive => "forward-transitive",
            Mode::FullTransitive => "full-transitive",
        }
    }

    /// The directions a change must be compatible in.
    pub fn directions(self) -> &'static [Direction] {
        match self {
            Mode::None => &[],
            Mode::Backward | Mode::BackwardTransitive => &[Direction::Backward],
            Mode::Forward | Mode::ForwardTransitive => &[Direction::Forward],
            Mode::Full | Mode::FullTransitive => &[Direction::Backward, Direction::Forward],
        }
    }

    /// True when every published version is checked, not just the previous one.
    pub fn is_transitive(self) -> bool {
        matches!(
            self,
            Mode::BackwardTransitive | Mode::ForwardTransitive | Mode::FullTransitive
        )
    }
}

impl Policy {
    pub const NAMES: &'static [&'static str] = &["strict", "lenient"];

    pub fn as_str(self) -> &'static str {
        match self {
            Policy::Strict => "strict",
            Policy::Lenient => "lenient",
        }
    }
}

impl FromStr for Mode {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        Ok(match text {
            "none" => Mode::None,
            "backward" => Mode::Backward,
            "forward" => Mode::Forward,
            "full" => Mode::Full,
            "backward-transitive" => Mode::BackwardTransitive,
            "forward-transitive" => Mode::ForwardTransitive,
            "full-transitive" => Mode::FullTransitive,
            _ => return Err(format!("unknown mode `{text}`")),
        })
    }
}

impl FromStr for Policy {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        match text {
            "strict" => Ok(Policy::Strict),
            "lenient" => Ok(Policy::Lenient),
            _ => Err(format!("unknown policy `{text}`")),
        }
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for Policy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether a change is compatible in `direction` under `policy`. `was_optional` says whether the
/// property concerned was optional before the change (only some removals depend on it).
pub fn compatible(
    kind: ChangeKind,
    policy: Policy,
    direction: Direction,
    was_optional: bool,
) -> bool {
    let info = kind.info();
    let row = match policy {
        Policy::Strict => info.strict,
        Policy::Lenient => info.lenient,
    };
    let rule = match direction {
        Direction::Backward => row[0],
        Direction::Forward => row[1],
    };
    match rule {
        Rule::C => true,
        Rule::I => false,
        Rule::IfOptional => was_optional,
    }
}

/// A change's verdict under a mode: compatible, or the directions it breaks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase", tag = "verdict", content = "breaks")]
pub enum Verdict {
    Compatible,
    Incompatible(Vec<Direction>),
}

impl Verdict {
    pub fn is_compatible(&self) -> bool {
        matches!(self, Verdict::Compatible)
    }
}

/// The verdict of a change under `mode` and `policy`.
pub fn verdict(kind: ChangeKind, mode: Mode, policy: Policy, was_optional: bool) -> Verdict {
    let broken: Vec<Direction> = mode
        .directions()
        .iter()
        .copied()
        .filter(|d| !compatible(kind, policy, *d, was_optional))
        .collect();
    if broken.is_empty() {
        Verdict::Compatible
    } else {
        Verdict::Incompatible(broken)
    }
}

/// The bump a change asks for: major when incompatible under the mode, otherwise patch for
/// documentation and minor for the rest.
pub fn required_bump(kind: ChangeKind, verdict: &Verdict) -> Bump {
    if !verdict.is_compatible() {
        return Bump::Major;
    }
    match kind.info().class {
        Class::Docs => Bump::Patch,
        Class::Contract => Bump::Minor,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_back() {
        for name in Mode::NAMES {
            assert_eq!(name.parse::<Mode>().unwrap().as_str(), *name);
        }
        for name in Policy::NAMES {
            assert_eq!(name.parse::<Policy>().unwrap().as_str(), *name);
        }
        assert!("sideways".parse::<Mode>().is_err());
    }

    #[test]
    fn the_issue_example_an_optional_property_passes_full_only_when_lenient() {
        let kind = ChangeKind::OptionalPropertyAddedToUnopenContentModel;
        assert_eq!(
            verdict(kind, Mode::Full, Policy::Strict, true),
            Verdict::Incompatible(vec![Direction::Forward])
        );
        assert_eq!(
            verdict(kind, Mode::Full, Policy::Lenient, true),
            Verdict::Compatible
        );
        assert_eq!(
            verdict(kind, Mode::Backward, Policy::Strict, true),
            Verdict::Compatible
        );
    }

    #[test]
    fn none_accepts_everything_but_still_asks_for_a_bump() {
        let v = verdict(ChangeKind::TypeChanged, Mode::None, Policy::Strict, false);
        assert_eq!(v, Verdict::Compatible);
        assert_eq!(required_bump(ChangeKind::TypeChanged, &v), Bump::Minor);
        let docs = verdict(
            ChangeKind::DescriptionChanged,
            Mode::None,
            Policy::Strict,
            false,
        );
        assert_eq!(
            required_bump(ChangeKind::DescriptionChanged, &docs),
            Bump::Patch
        );
    }
}
