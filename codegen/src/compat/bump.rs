//! Semantic version bumps: which one the author made, and which one a change asks for.
//!
//! Per event: **major** for a change that is incompatible under the chosen mode (a new contract),
//! **minor** for a compatible change to what is valid or what a value means (an addition),
//! **patch** for documentation only. The catalog's own version follows the largest bump among
//! its events (and a new event counts as minor, a removed one as the removal's own verdict).

use std::fmt;

use serde::Serialize;

/// A bump between two versions, ordered from none to major.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Bump {
    None,
    Patch,
    Minor,
    Major,
}

impl Bump {
    pub fn as_str(self) -> &'static str {
        match self {
            Bump::None => "none",
            Bump::Patch => "patch",
            Bump::Minor => "minor",
            Bump::Major => "major",
        }
    }

    /// "a minor bump", "no bump": for messages.
    pub fn phrase(self) -> &'static str {
        match self {
            Bump::None => "no bump",
            Bump::Patch => "a patch bump",
            Bump::Minor => "a minor bump",
            Bump::Major => "a major bump",
        }
    }

    /// The smallest version after `version` with this bump (`1.2.3` minor: `1.3.0`).
    pub fn apply(self, version: &semver::Version) -> semver::Version {
        let mut next = version.clone();
        next.pre = semver::Prerelease::EMPTY;
        next.build = semver::BuildMetadata::EMPTY;
        match self {
            Bump::None => return version.clone(),
            Bump::Patch => next.patch += 1,
            Bump::Minor => {
                next.minor += 1;
                next.patch = 0;
            }
            Bump::Major => {
                next.major += 1;
                next.minor = 0;
                next.patch = 0;
            }
        }
        next
    }
}

impl fmt::Display for Bump {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The bump from `old` to `new`, or `Err(())` when `new` is lower: versions only go up.
///
/// A change of the pre-release part alone (`2.0.0-rc.1` to `2.0.0`) counts as a patch: it is a
/// new version, but not a new contract level.
#[allow(clippy::result_unit_err)]
pub fn between(old: &semver::Version, new: &semver::Version) -> Result<Bump, ()> {
    if new < old {
        return Err(());
    }
    Ok(if new.major != old.major {
        Bump::Major
    } else if new.minor != old.minor {
        Bump::Minor
    } else if new.patch != old.patch || new.pre != old.pre {
        Bump::Patch
    } else {
        Bump::None
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(text: &str) -> semver::Version {
        semver::Version::parse(text).unwrap()
    }

    #[test]
    fn bumps_between_versions() {
        assert_eq!(between(&v("1.0.0"), &v("1.0.0")), Ok(Bump::None));
        assert_eq!(between(&v("1.0.0"), &v("1.0.1")), Ok(Bump::Patch));
        assert_eq!(between(&v("1.0.9"), &v("1.1.0")), Ok(Bump::Minor));
        assert_eq!(between(&v("1.4.2"), &v("2.0.0")), Ok(Bump::Major));
        assert_eq!(between(&v("1.4.2"), &v("3.1.0")), Ok(Bump::Major));
        assert_eq!(between(&v("2.0.0-rc.1"), &v("2.0.0")), Ok(Bump::Patch));
        assert_eq!(between(&v("1.1.0"), &v("1.0.9")), Err(()));
        assert_eq!(between(&v("2.0.0"), &v("2.0.0-rc.1")), Err(()));
    }

    #[test]
    fn the_next_version() {
        assert_eq!(Bump::Patch.apply(&v("1.2.3")), v("1.2.4"));
        assert_eq!(Bump::Minor.apply(&v("1.2.3")), v("1.3.0"));
        assert_eq!(Bump::Major.apply(&v("1.2.3")), v("2.0.0"));
        assert_eq!(Bump::None.apply(&v("1.2.3")), v("1.2.3"));
        assert!(Bump::None < Bump::Patch && Bump::Minor < Bump::Major);
    }
}
