//! Who may do what with a persistent app in server mode.
//!
//! The rule: an app belongs to the user who created it (its owner). The owner and the admins
//! (`--admin-users`) may open, save over (`DoSave`), add connections to (`CreateConnection`) and delete
//! (`DeleteApp`) it; nobody else sees it in `GetDocList` or may open it. An app without an owner (the demo
//! app, or one made before apps had owners) is shared: everyone may open it, only admins may change or
//! delete it. In desktop mode there is one user and no rule applies. Refusals are error 5, access denied.

use crate::auth::UserId;
use crate::config::Mode;
use qix_apps::AppRecord;
use qix_protocol::{ErrorCode, RpcError};

/// The rule in force, from the flags.
#[derive(Debug, Clone)]
pub struct Rights {
    mode: Mode,
    /// `DIRECTORY\id` of each admin.
    admins: Vec<String>,
}

impl Rights {
    /// The rule for this mode and these admins (`DIRECTORY\id`, compared without regard to case).
    pub fn new(mode: Mode, admins: Vec<String>) -> Rights {
        Rights { mode, admins }
    }

    /// How an app records its owner: `DIRECTORY\id`.
    pub fn owner_name(user: &UserId) -> String {
        format!("{}\\{}", user.directory, user.id)
    }

    /// Whether `user` is named by `--admin-users`.
    pub fn is_admin(&self, user: &UserId) -> bool {
        let name = Self::owner_name(user);
        self.admins.iter().any(|a| a.eq_ignore_ascii_case(&name))
    }

    fn owns(user: &UserId, app: &AppRecord) -> bool {
        app.owner.eq_ignore_ascii_case(&Self::owner_name(user))
    }

    /// Whether `user` may see and open `app`.
    pub fn may_open(&self, user: &UserId, app: &AppRecord) -> bool {
        self.mode == Mode::Desktop
            || app.owner.is_empty()
            || Self::owns(user, app)
            || self.is_admin(user)
    }

    /// Whether `user` may change what is stored of `app` (save over it, add connections, delete it).
    pub fn may_change(&self, user: &UserId, app: &AppRecord) -> bool {
        self.mode == Mode::Desktop || Self::owns(user, app) || self.is_admin(user)
    }

    /// [`Rights::may_open`] as the engine's error.
    pub fn check_open(&self, user: &UserId, app: &AppRecord) -> Result<(), RpcError> {
        if self.may_open(user, app) {
            Ok(())
        } else {
            Err(RpcError::new(ErrorCode::AccessDenied, app.id.clone()))
        }
    }

    /// [`Rights::may_change`] as the engine's error.
    pub fn check_change(&self, user: &UserId, app: &AppRecord) -> Result<(), RpcError> {
        if self.may_change(user, app) {
            Ok(())
        } else {
            Err(RpcError::new(ErrorCode::AccessDenied, app.id.clone()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(id: &str) -> UserId {
        UserId {
            directory: "Corp".into(),
            id: id.into(),
        }
    }

    fn app(owner: &str) -> AppRecord {
        let mut r = AppRecord::new("a");
        r.owner = owner.into();
        r
    }

    #[test]
    fn owners_and_admins_change_apps_others_do_not_see_them() {
        let rights = Rights::new(Mode::Server, vec!["corp\\root".into()]);
        let (alice, bob, root) = (user("alice"), user("bob"), user("root"));
        let mine = app("Corp\\alice");
        assert!(rights.may_open(&alice, &mine) && rights.may_change(&alice, &mine));
        assert!(!rights.may_open(&bob, &mine) && !rights.may_change(&bob, &mine));
        assert!(rights.may_open(&root, &mine) && rights.may_change(&root, &mine));
        assert_eq!(rights.check_change(&bob, &mine).unwrap_err().code, 5);
        let shared = app("");
        assert!(rights.may_open(&bob, &shared) && !rights.may_change(&bob, &shared));
        assert!(rights.may_change(&root, &shared));
        let desktop = Rights::new(Mode::Desktop, vec![]);
        assert!(desktop.may_change(&bob, &mine));
    }
}
