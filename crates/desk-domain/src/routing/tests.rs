use super::*;

fn id(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

fn agent(n: u128, load: i64, skills: &[(u128, i64)]) -> Candidate {
    Candidate { user_id: id(n), load, skills: skills.iter().map(|(s, l)| (id(*s), *l)).collect() }
}

#[test]
fn round_robin_continues_after_the_last_agent_and_wraps() {
    let c = [agent(1, 5, &[]), agent(2, 0, &[]), agent(3, 9, &[])];
    let mut last = None;
    let mut seq = Vec::new();
    for _ in 0..6 {
        let got = choose(AssignmentMode::RoundRobin, &c, last, &[], None).expect("someone");
        seq.push(got);
        last = Some(got);
    }
    assert_eq!(seq, [id(1), id(2), id(3), id(1), id(2), id(3)]);
    // The last agent left the group (or went away): the rotation goes on with the next id.
    assert_eq!(choose(AssignmentMode::RoundRobin, &c[..2], Some(id(2)), &[], None), Ok(id(1)));
    assert_eq!(choose(AssignmentMode::RoundRobin, &[agent(1, 0, &[]), agent(3, 0, &[])], Some(id(2)), &[], None), Ok(id(3)));
}

#[test]
fn least_loaded_takes_the_fewest_open_tickets() {
    let c = [agent(1, 3, &[]), agent(2, 1, &[]), agent(3, 1, &[])];
    assert_eq!(choose(AssignmentMode::LeastLoaded, &c, None, &[], None), Ok(id(2)));
    // Ties follow the rotation.
    assert_eq!(choose(AssignmentMode::LeastLoaded, &c, Some(id(2)), &[], None), Ok(id(3)));
}

#[test]
fn skills_need_every_required_skill_then_load_then_level() {
    let (german, sap) = (100, 200);
    let c = [agent(1, 0, &[(german, 2)]), agent(2, 0, &[]), agent(3, 0, &[(german, 5)]), agent(4, 0, &[(german, 5), (sap, 1)])];
    assert_eq!(choose(AssignmentMode::Skills, &c[..3], None, &[id(german)], None), Ok(id(3)));
    let loaded = [agent(1, 0, &[(german, 2)]), agent(3, 1, &[(german, 5)])];
    assert_eq!(choose(AssignmentMode::Skills, &loaded, None, &[id(german)], None), Ok(id(1)));
    assert_eq!(choose(AssignmentMode::Skills, &c, None, &[id(german), id(sap)], None), Ok(id(4)));
    assert_eq!(choose(AssignmentMode::Skills, &c[..2], None, &[id(sap)], None), Err(NoAgent::NoSkills));
    // Required skills narrow the other modes too.
    assert_eq!(choose(AssignmentMode::RoundRobin, &c, None, &[id(sap)], None), Ok(id(4)));
}

#[test]
fn nobody_qualifies_says_why() {
    assert_eq!(choose(AssignmentMode::RoundRobin, &[], None, &[], None), Err(NoAgent::NobodyAvailable));
    assert_eq!(choose(AssignmentMode::Manual, &[agent(1, 0, &[])], None, &[], None), Err(NoAgent::Manual));
    assert_eq!(choose(AssignmentMode::LeastLoaded, &[agent(1, 2, &[])], None, &[], Some(2)), Err(NoAgent::AllFull));
    assert_eq!(choose(AssignmentMode::LeastLoaded, &[agent(1, 2, &[]), agent(2, 1, &[])], None, &[], Some(2)), Ok(id(2)));
}

fn rule(name: &str, position: i64, conditions: Conditions) -> RoutingRuleSpec {
    RoutingRuleSpec { name: name.into(), position, conditions, group_id: id(9), required_skill_ids: vec![], set_priority: None }
}

#[test]
fn the_first_matching_rule_by_position_wins() {
    let facts = TicketFacts {
        subject: "Rechnung doppelt",
        description: "Bitte prüfen",
        ticket_type: "problem",
        channel: "email",
        priority: "medium",
        company_id: Some(id(7)),
        category: Some("billing"),
    };
    let rules = vec![
        (1, rule("questions", 2, Conditions { ticket_type: Some("question".into()), ..Conditions::default() })),
        (2, rule("german", 5, Conditions { keywords: vec!["RECHNUNG".into()], ..Conditions::default() })),
        (
            3,
            rule("acme email", 3, Conditions { channel: Some("email".into()), company_id: Some(id(7)), ..Conditions::default() }),
        ),
        (4, rule("catch all", 10, Conditions::default())),
    ];
    assert_eq!(route(&rules, &facts).map(|(n, _)| *n), Some(3));
    let other = TicketFacts { company_id: None, ..facts };
    assert_eq!(route(&rules, &other).map(|(n, _)| *n), Some(2));
    let plain = TicketFacts { subject: "Hello", description: "", ..other };
    assert_eq!(route(&rules, &plain).map(|(n, _)| *n), Some(4));
    let billing = rule("billing", 0, Conditions { category: Some("billing".into()), ..Conditions::default() });
    assert!(billing.matches(&facts));
    assert!(!billing.matches(&TicketFacts { category: None, ..facts }));
}

#[test]
fn bad_rules_name_their_fields() {
    let mut r = rule("", 0, Conditions { ticket_type: Some("rant".into()), keywords: vec![" ".into()], ..Conditions::default() });
    r.set_priority = Some("asap".into());
    let mut e = Errors::default();
    r.check(&mut e, &["billing"], &["email"]);
    let fields: Vec<&str> = e.0.iter().map(|f| f.field.as_str()).collect();
    assert_eq!(fields, ["name", "conditions.type", "conditions.keywords", "set_priority"]);
    let esc = EscalationRuleSpec { name: "old".into(), trigger: "age".into(), age_minutes: None, actions: Actions::default() };
    let mut e = Errors::default();
    esc.check(&mut e);
    assert_eq!(e.0[0].field, "age_minutes");
}
