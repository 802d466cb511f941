//! The demo's seeded people and one-click sign-in as them.
//!
//! This exists only when the server runs as `charta demo`, which refuses to
//! listen on anything but a loopback address: anyone who can reach a demo can
//! become its chair.

use charta_store::{Store, StoreError, StoreResult};

/// The issuer recorded for demo accounts, so they can never be confused with
/// accounts from a real provider.
pub const DEMO_ISSUER: &str = "urn:charta:demo";

/// A seeded demo person.
#[derive(Debug, Clone, Copy)]
pub struct DemoPerson {
    pub slug: &'static str,
    pub name: &'static str,
    pub email: &'static str,
    /// The role in the demo group, and the organisation slug for
    /// representatives.
    pub role: &'static str,
    pub organization: Option<&'static str>,
    pub platform_admin: bool,
    pub blurb: &'static str,
}

/// Everyone a demo visitor can sign in as.
pub const PEOPLE: [DemoPerson; 8] = [
    DemoPerson {
        slug: "chair",
        name: "Carmen Chávez",
        email: "carmen@aurora.example",
        role: "chair",
        organization: None,
        platform_admin: false,
        blurb: "Chairs the working group: manages roles, publishes drafts.",
    },
    DemoPerson {
        slug: "editor",
        name: "Eli Okafor",
        email: "eli@borealis.example",
        role: "editor",
        organization: None,
        platform_admin: false,
        blurb: "Edits the specification on the group's behalf.",
    },
    DemoPerson {
        slug: "rep-aurora",
        name: "Ana Lindqvist",
        email: "ana@aurora.example",
        role: "representative",
        organization: Some("aurora"),
        platform_admin: false,
        blurb: "Votes for the Aurora Software Foundation.",
    },
    DemoPerson {
        slug: "rep-borealis",
        name: "Bram de Vries",
        email: "bram@borealis.example",
        role: "representative",
        organization: Some("borealis"),
        platform_admin: false,
        blurb: "Votes for the Borealis Foundation.",
    },
    DemoPerson {
        slug: "rep-cobalt",
        name: "Chen Wei",
        email: "chen@cobalt.example",
        role: "representative",
        organization: Some("cobalt"),
        platform_admin: false,
        blurb: "Votes for the Cobalt Open Source Foundation.",
    },
    DemoPerson {
        slug: "reviewer",
        name: "Riya Menon",
        email: "riya@reviewers.example",
        role: "reviewer",
        organization: None,
        platform_admin: false,
        blurb: "Reads drafts and comments on proposals.",
    },
    DemoPerson {
        slug: "observer",
        name: "Olu Adeyemi",
        email: "olu@observers.example",
        role: "observer",
        organization: None,
        platform_admin: false,
        blurb: "Follows the group's drafts without taking part.",
    },
    DemoPerson {
        slug: "admin",
        name: "Ada Admin",
        email: "ada@charta.example",
        role: "observer",
        organization: None,
        platform_admin: true,
        blurb: "Administers this Charta instance: creates groups and organisations.",
    },
];

/// Looks a demo person up by slug.
pub fn person(slug: &str) -> Option<&'static DemoPerson> {
    PEOPLE.iter().find(|p| p.slug == slug)
}

/// Creates the demo people and their roles in `group`. Safe to run again.
pub async fn seed_people(store: &Store, group: &str) -> StoreResult<()> {
    let g = store.group(group).await?;
    let orgs = store.organizations(g.id).await?;
    for p in PEOPLE {
        let user = store
            .upsert_user(DEMO_ISSUER, p.slug, p.email, p.name)
            .await?;
        // The demo vouches for its own people's addresses, so that their
        // notifications reach the demo's mailbox before they first sign in.
        store.set_email_verified(user.id, true).await?;
        if p.platform_admin && !user.platform_admin {
            store
                .set_platform_admin(user.id, true, "charta demo")
                .await?;
        }
        let org = match p.organization {
            Some(slug) => Some(
                orgs.iter()
                    .find(|o| o.slug == slug)
                    .ok_or_else(|| StoreError::NotFound(format!("demo organisation {slug}")))?
                    .id,
            ),
            None => None,
        };
        match store.add_membership(g.id, user.id, p.role, org).await {
            Ok(_) | Err(StoreError::Conflict(_)) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}
