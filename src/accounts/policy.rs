//! Who may do what, in one place. Routes declare a [`Rule`] where they are registered
//! (see `web::router`); handlers that touch Region-scoped records ask [`can_see_region`].
//! Everything else follows from these two.

use super::{Role, User};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// Anyone, signed in or not.
    Public,
    /// Any active user.
    SignedIn,
    /// Users with one of these roles.
    Roles(&'static [Role]),
}

pub const COORDINATORS: Rule = Rule::Roles(&[Role::Coordinator]);
pub const MENTORS: Rule = Rule::Roles(&[Role::Mentor]);
pub const OFFICERS: Rule = Rule::Roles(&[Role::Officer]);
pub const OFFICERS_AND_COORDINATORS: Rule = Rule::Roles(&[Role::Officer, Role::Coordinator]);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Denial {
    /// Nobody is signed in: sign in first.
    SignIn,
    /// Signed in, but this is not for this role.
    Forbidden,
}

pub fn check(user: Option<&User>, rule: Rule) -> Result<(), Denial> {
    match (rule, user) {
        (Rule::Public, _) => Ok(()),
        (_, None) => Err(Denial::SignIn),
        (Rule::SignedIn, Some(_)) => Ok(()),
        (Rule::Roles(roles), Some(u)) if roles.contains(&u.role) => Ok(()),
        (Rule::Roles(_), Some(_)) => Err(Denial::Forbidden),
    }
}

/// Records of a Region: coordinators see every Region, officers only their own. A record
/// of another Region is answered as missing (404), never as forbidden, so its existence
/// does not leak.
pub fn can_see_region(user: &User, region_code: &str) -> bool {
    match user.role {
        Role::Coordinator => true,
        Role::Officer => user.region_code.as_deref() == Some(region_code),
        Role::Mentor => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;

    fn user(role: Role, region: Option<&str>) -> User {
        User {
            id: 1,
            email: "a@b.it".into(),
            name: "A".into(),
            role,
            region_code: region.map(String::from),
            organisation: None,
            organisation_kind: None,
            lang: Lang::It,
            notify_email: true,
            active: true,
            erased: false,
            created_at: 0,
            last_signin_at: None,
        }
    }

    #[test]
    fn rules() {
        let officer = user(Role::Officer, Some("PUG"));
        let coord = user(Role::Coordinator, None);
        assert_eq!(check(None, Rule::Public), Ok(()));
        assert_eq!(check(None, Rule::SignedIn), Err(Denial::SignIn));
        assert_eq!(check(Some(&officer), COORDINATORS), Err(Denial::Forbidden));
        assert_eq!(check(Some(&coord), COORDINATORS), Ok(()));
        assert!(can_see_region(&officer, "PUG"));
        assert!(!can_see_region(&officer, "SIC"));
        assert!(can_see_region(&coord, "SIC"));
    }
}
