//! `hookgrid user …` and `hookgrid audit`: who may use the review listener, and who changed
//! what. Changes made here are recorded as made by the local user.

use std::io::BufRead;

use hookgrid::Hookgrid;
use hookgrid::accounts::{UserView, local_user};
use hookgrid::api::Role;

use crate::args::UserAction;
use crate::output;

/// The first line of stdin, without its line ending: a password given by a script.
fn password_from_stdin() -> hookgrid::Result<String> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| hookgrid::Error::BadRequest(format!("cannot read stdin: {e}")))?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

pub fn run(hg: &Hookgrid, action: UserAction) -> hookgrid::Result<()> {
    let me = local_user();
    match action {
        UserAction::Add {
            name,
            role,
            password_stdin,
        } => {
            let given = password_stdin.then(password_from_stdin).transpose()?;
            let role = Role::from(role);
            let password = hg.add_user(&name, role, given.as_deref(), &me)?;
            if given.is_none() {
                println!("{password}");
                eprintln!(
                    "Added {} as {role}. The line above is their password, shown only now: \
                     hand it over safely; `hookgrid user password {}` makes a new one.",
                    name.trim(),
                    name.trim()
                );
            } else {
                eprintln!("Added {} as {role}.", name.trim());
            }
        }
        UserAction::List { json } => {
            let users = hg.users()?;
            if json {
                output::json(&users);
            } else {
                list(&users);
            }
        }
        UserAction::Role { name, role } => {
            let role = Role::from(role);
            hg.set_user_role(&name, role, &me)?;
            eprintln!("{} is now {role}.", name.trim());
        }
        UserAction::Password {
            name,
            password_stdin,
        } => {
            let given = password_stdin.then(password_from_stdin).transpose()?;
            let password = hg.set_user_password(&name, given.as_deref(), &me)?;
            if given.is_none() {
                println!("{password}");
            }
            eprintln!(
                "{} has a new password{}; their sign-ins have ended.",
                name.trim(),
                if given.is_none() {
                    " (above, shown only now)"
                } else {
                    ""
                }
            );
        }
        UserAction::Remove { name } => {
            hg.remove_user(&name, &me)?;
            eprintln!("Removed {}, their tokens and sign-ins.", name.trim());
        }
        UserAction::Token { name, label } => {
            let token = hg.add_token(&name, &label, &me)?;
            println!("{token}");
            eprintln!(
                "The line above is {}'s token {:?}, shown only now. Send it as \
                 `Authorization: Bearer <token>`, or paste it into the app under Connection → \
                 Team server. `hookgrid user revoke {} {:?}` stops it.",
                name.trim(),
                label.trim(),
                name.trim(),
                label.trim()
            );
        }
        UserAction::Revoke { name, label } => {
            hg.revoke_token(&name, &label, &me)?;
            eprintln!("Revoked {}'s token {:?}.", name.trim(), label.trim());
        }
    }
    Ok(())
}

fn list(users: &[UserView]) {
    if users.is_empty() {
        println!("No users yet. `hookgrid user add NAME --role admin` adds the first.");
        return;
    }
    let rows: Vec<Vec<String>> = users
        .iter()
        .map(|u| {
            vec![
                u.name.clone(),
                u.role.to_string(),
                output::moment(&u.created),
                u.last_sign_in
                    .as_deref()
                    .map_or("never".to_owned(), output::moment),
                u.tokens.join(", "),
            ]
        })
        .collect();
    output::table(
        &["NAME", "ROLE", "CREATED", "LAST SIGN-IN", "TOKENS"],
        &rows,
    );
}

pub fn audit(hg: &Hookgrid, json: bool) -> hookgrid::Result<()> {
    let entries = hg.audit()?;
    if json {
        output::json(&entries);
        return Ok(());
    }
    if entries.is_empty() {
        println!("Nothing recorded yet.");
        return Ok(());
    }
    let rows: Vec<Vec<String>> = entries
        .iter()
        .map(|e| {
            vec![
                output::moment(&e.at),
                e.user.clone(),
                e.action.clone(),
                e.target.clone(),
            ]
        })
        .collect();
    output::table(&["AT", "USER", "ACTION", "TARGET"], &rows);
    Ok(())
}
