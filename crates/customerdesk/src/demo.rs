//! The demo tenant: a small support team, two customer companies and a few tickets in
//! different states, so a first look at the product has something to show.

use anyhow::Result;
use desk_core::{
    ArticleInput, ArticlePatch, CommentInput, Desk, NewCompanyInput, NewTenantInput, NewUserInput, TicketInput, TicketPatchInput,
};

/// The demo's slug.
pub const SLUG: &str = "demo";
/// Every demo user's password (a demo is not a secret).
pub const PASSWORD: &str = "demo-password-1";

/// Seeds the demo tenant if it does not exist yet, then prints how to log in.
pub async fn seed(desk: &Desk) -> Result<()> {
    if desk.store().tenant_by_slug(SLUG).await?.is_none() {
        create(desk).await?;
    }
    println!(
        "\nDemo tenant '{SLUG}' is ready. Every user's password is {PASSWORD}. Sign in on the web at /login?tenant={SLUG} \
         (agents land in the workspace, customers in the portal; the public help center is /kb/{SLUG}), \
         or with POST /api/v1/auth/login {{\"tenant\":\"{SLUG}\",\"email\":…,\"password\":\"{PASSWORD}\"}}:\n  \
         admin       admin@demo.example\n  supervisor  sam.supervisor@demo.example\n  agent       alex.agent@demo.example\n  \
         agent       bo.agent@demo.example\n  customer    carla@acme.example (company admin of Acme Corp)\n  customer    dan@acme.example\n  \
         customer    erin@globex.example\n"
    );
    Ok(())
}

async fn create(desk: &Desk) -> Result<()> {
    let err = |e| anyhow::anyhow!("seeding the demo: {e}");
    desk.create_tenant(NewTenantInput {
        slug: SLUG.into(),
        name: "Demo Support".into(),
        admin_email: "admin@demo.example".into(),
        admin_password: PASSWORD.into(),
        admin_name: Some("Ada Admin".into()),
    })
    .await
    .map_err(err)?;
    let admin = desk.login(SLUG, "admin@demo.example", PASSWORD).await.map_err(err)?.principal;
    let acme = desk
        .create_company(&admin, NewCompanyInput { name: "Acme Corp".into(), domain: Some("acme.example".into()) })
        .await
        .map_err(err)?;
    let globex = desk
        .create_company(&admin, NewCompanyInput { name: "Globex".into(), domain: Some("globex.example".into()) })
        .await
        .map_err(err)?;
    let user = |email: &str, name: &str, role: &str, company| NewUserInput {
        email: email.into(),
        name: Some(name.into()),
        role: role.into(),
        password: PASSWORD.into(),
        company_id: company,
    };
    desk.create_user(&admin, user("sam.supervisor@demo.example", "Sam Supervisor", "supervisor", None)).await.map_err(err)?;
    let alex = desk.create_user(&admin, user("alex.agent@demo.example", "Alex Agent", "agent", None)).await.map_err(err)?;
    let bo = desk.create_user(&admin, user("bo.agent@demo.example", "Bo Agent", "agent", None)).await.map_err(err)?;
    desk.create_user(&admin, user("carla@acme.example", "Carla Chen", "company_admin", Some(acme.id))).await.map_err(err)?;
    desk.create_user(&admin, user("dan@acme.example", "Dan Diaz", "customer", Some(acme.id))).await.map_err(err)?;
    desk.create_user(&admin, user("erin@globex.example", "Erin Evans", "customer", Some(globex.id))).await.map_err(err)?;
    let group = desk.create_group(&admin, "First line").await.map_err(err)?;
    for agent in [alex.id, bo.id] {
        desk.add_group_member(&admin, group.id, agent).await.map_err(err)?;
    }

    let dan = desk.login(SLUG, "dan@acme.example", PASSWORD).await.map_err(err)?.principal;
    let erin = desk.login(SLUG, "erin@globex.example", PASSWORD).await.map_err(err)?.principal;
    let alex_p = desk.login(SLUG, "alex.agent@demo.example", PASSWORD).await.map_err(err)?.principal;
    let ticket = |subject: &str, description: &str, priority: &str| TicketInput {
        subject: subject.into(),
        description: description.into(),
        priority: Some(priority.into()),
        ..TicketInput::default()
    };
    let t1 = desk
        .create_ticket(
            &dan,
            ticket(
                "I can't log in",
                "Since this morning the login page says my password is wrong, but I have not changed it.",
                "high",
            ),
        )
        .await
        .map_err(err)?;
    desk.create_ticket(
        &dan,
        ticket("Invoice PDF download fails", "Clicking 'Download PDF' on invoice INV-2026-0042 shows a blank page.", "medium"),
    )
    .await
    .map_err(err)?;
    let t3 = desk
        .create_ticket(
            &erin,
            ticket("Feature request: dark mode", "Our night shift would love a dark theme for the portal.", "low"),
        )
        .await
        .map_err(err)?;
    desk.add_comment(
        &alex_p,
        t1.id,
        CommentInput {
            body: "Sorry about that! Could you try the 'Forgot password' link and tell me whether the reset email arrives?"
                .into(),
            internal: false,
        },
    )
    .await
    .map_err(err)?;
    desk.add_comment(
        &alex_p,
        t1.id,
        CommentInput { body: "Checked the auth log: three failed attempts from a new IP at 07:12.".into(), internal: true },
    )
    .await
    .map_err(err)?;
    desk.update_ticket(
        &alex_p,
        t1.id,
        TicketPatchInput {
            status: Some("waiting_on_customer".into()),
            assignee_id: Some(Some(alex.id)),
            ..TicketPatchInput::default()
        },
    )
    .await
    .map_err(err)?;
    desk.update_ticket(&alex_p, t3.id, TicketPatchInput { group_id: Some(Some(group.id)), ..TicketPatchInput::default() })
        .await
        .map_err(err)?;
    let sam = desk.login(SLUG, "sam.supervisor@demo.example", PASSWORD).await.map_err(err)?.principal;
    for (title, summary, body, category, visibility) in ARTICLES {
        let input = ArticleInput {
            title: (*title).into(),
            summary: (*summary).into(),
            body: (*body).into(),
            category: Some((*category).into()),
            visibility: Some((*visibility).into()),
            ..ArticleInput::default()
        };
        let a = desk.create_article(&sam, input).await.map_err(err)?;
        let publish =
            ArticlePatch { status: Some("published".into()), notes: Some("Demo content".into()), ..ArticlePatch::default() };
        desk.update_article(&sam, a.id, publish).await.map_err(err)?;
    }
    Ok(())
}

/// Published demo articles: (title, summary, markdown, category, visibility).
const ARTICLES: &[(&str, &str, &str, &str, &str)] = &[
    (
        "How to reset your password",
        "Use the Forgot password link on the sign-in page; the reset link is valid for 24 hours.",
        "If you cannot sign in, reset your password:\n\n1. Open the sign-in page and click **Forgot password**.\n2. Enter the email address of your account.\n3. Open the email we send you (check your spam folder) and follow the link within 24 hours.\n4. Choose a new password of at least 10 characters.\n\nStill locked out? Open a ticket and we will unlock your account.",
        "faq",
        "public",
    ),
    (
        "Troubleshooting sign-in problems",
        "What to check when the portal will not let you sign in.",
        "## Symptoms\n\nThe sign-in page says your password is wrong, or it loops back to itself.\n\n## Checks\n\n- Make sure Caps Lock is off.\n- Clear your browser cookies for this site and try again.\n- Try a private window to rule out an extension.\n- After five failed attempts the account locks for 15 minutes.\n\nIf none of this helps, [reset your password](/kb/demo/how-to-reset-your-password).",
        "troubleshooting",
        "public",
    ),
    (
        "Downloading invoices as PDF",
        "Where to find your invoices and how to download them.",
        "1. Go to **Billing → Invoices**.\n2. Click the invoice number.\n3. Click **Download PDF**.\n\nIf the page stays blank, allow pop-ups for this site.",
        "product_guide",
        "customers",
    ),
    (
        "Unlocking a customer account",
        "Internal procedure for account lockouts.",
        "Verify the caller against the account's company contact list before unlocking. Never send a password by email.",
        "other",
        "internal",
    ),
];
