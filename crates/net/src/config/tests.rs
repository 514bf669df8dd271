use super::*;

#[derive(Debug, Deserialize)]
struct File {
    office: Vec<RawOffice>,
}

fn parse(text: &str) -> Vec<RawOffice> {
    toml::from_str::<File>(text).unwrap().office
}

fn base() -> RawOffice {
    RawOffice {
        name: "Contoso HQ".into(),
        building: "Building 1".into(),
        gateway_macs: vec!["02:00:5e:00:53:01".into()],
        ..RawOffice::default()
    }
}

fn error_for(office: RawOffice) -> ConfigError {
    validate_office(1, &office).unwrap_err()
}

#[test]
fn full_table_parses_and_validates() {
    let raw = parse(
        r#"
        [[office]]
        name = "Contoso HQ"
        building = "Building 1"
        ssids = ["Contoso"]
        bssids = ["02-00-5E-00-53-AA"]
        gateway_macs = ["02:00:5e:00:53:01"]
        gateway_ips = ["192.0.2.1"]
        subnets = ["192.0.2.0/24", "2001:db8::/48"]
        dns_suffixes = [".Corp.Example.COM."]
        probe = { url = "https://probe.corp.example.com/health" }
        "#,
    );
    let offices = validate_offices(&raw).unwrap();
    let office = &offices[0];
    assert_eq!(office.name.0, "Contoso HQ");
    assert_eq!(office.bssids[0].to_string(), "02:00:5e:00:53:aa");
    assert_eq!(office.subnets.len(), 2);
    assert_eq!(office.dns_suffixes, vec!["corp.example.com"]);
    let probe = office.probe.as_ref().unwrap();
    assert_eq!(probe.expect_status, 200);
    assert_eq!(probe.timeout, Duration::from_millis(1500));
    assert!(!office.ssid_alone_is_enough);
}

#[test]
fn unknown_key_is_rejected_by_serde() {
    let text = "[[office]]\nname = \"A\"\nbuilding = \"B\"\nsubnet = [\"192.0.2.0/24\"]\n";
    let error = toml::from_str::<File>(text).unwrap_err().to_string();
    assert!(error.contains("subnet"), "{error}");
}

#[test]
fn invalid_values_name_key_value_and_fix() {
    struct Case {
        office: RawOffice,
        key: &'static str,
        value: &'static str,
        fix: &'static str,
    }
    let cases = [
        Case {
            office: RawOffice {
                subnets: vec!["192.0.2.0/24".into(), "192.0.2.0/33".into()],
                ..base()
            },
            key: "office[1].subnets[1]",
            value: "192.0.2.0/33",
            fix: "192.0.2.0/24",
        },
        Case {
            office: RawOffice {
                subnets: vec!["192.0.2.7/24".into()],
                ..base()
            },
            key: "office[1].subnets[0]",
            value: "192.0.2.7/24",
            fix: "write the network address 192.0.2.0/24",
        },
        Case {
            office: RawOffice {
                subnets: vec!["0.0.0.0/0".into()],
                ..base()
            },
            key: "office[1].subnets[0]",
            value: "0.0.0.0/0",
            fix: "office's own network",
        },
        Case {
            office: RawOffice {
                gateway_macs: vec!["02:00:5e:00:53".into()],
                ..base()
            },
            key: "office[1].gateway_macs[0]",
            value: "02:00:5e:00:53",
            fix: "six hex octets",
        },
        Case {
            office: RawOffice {
                bssids: vec!["zz:00:5e:00:53:01".into()],
                ..base()
            },
            key: "office[1].bssids[0]",
            value: "zz:00:5e:00:53:01",
            fix: "six hex octets",
        },
        Case {
            office: RawOffice {
                gateway_ips: vec!["192.0.2.1/24".into()],
                ..base()
            },
            key: "office[1].gateway_ips[0]",
            value: "192.0.2.1/24",
            fix: "without a prefix length",
        },
        Case {
            office: RawOffice {
                dns_suffixes: vec!["corp example".into()],
                ..base()
            },
            key: "office[1].dns_suffixes[0]",
            value: "corp example",
            fix: "corp.example.com",
        },
        Case {
            office: RawOffice {
                ssids: vec!["x".repeat(33)],
                ..base()
            },
            key: "office[1].ssids[0]",
            value: "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
            fix: "exactly as the Wi-Fi list",
        },
        Case {
            office: RawOffice {
                probe: Some(RawProbe {
                    url: "http://probe.corp.example.com/".into(),
                    ..RawProbe::default()
                }),
                ..base()
            },
            key: "office[1].probe.url",
            value: "http://probe.corp.example.com/",
            fix: "https://",
        },
        Case {
            office: RawOffice {
                probe: Some(RawProbe {
                    url: "https://probe.corp.example.com/".into(),
                    expect_status: Some(42),
                    ..RawProbe::default()
                }),
                ..base()
            },
            key: "office[1].probe.expect_status",
            value: "42",
            fix: "100 to 599",
        },
        Case {
            office: RawOffice {
                probe: Some(RawProbe {
                    url: "https://probe.corp.example.com/".into(),
                    timeout_ms: Some(60_000),
                    ..RawProbe::default()
                }),
                ..base()
            },
            key: "office[1].probe.timeout_ms",
            value: "60000",
            fix: "1 to 10000 milliseconds",
        },
    ];
    for case in cases {
        let error = error_for(case.office);
        assert_eq!(error.key(), case.key, "{error}");
        let ConfigError::InvalidValue { value, fix, .. } = &error else {
            panic!("expected InvalidValue, got {error:?}");
        };
        assert_eq!(value, case.value, "{error}");
        assert!(fix.contains(case.fix), "fix {fix:?} lacks {:?}", case.fix);
        assert!(error.to_string().contains(case.key), "{error}");
    }
}

#[test]
fn loopback_http_probe_is_allowed() {
    for url in [
        "http://127.0.0.1:8080/",
        "http://[::1]/",
        "http://localhost/x",
    ] {
        let office = RawOffice {
            probe: Some(RawProbe {
                url: url.into(),
                ..RawProbe::default()
            }),
            ..base()
        };
        assert!(validate_office(0, &office).is_ok(), "{url}");
    }
}

#[test]
fn missing_name_and_building_are_rejected() {
    let error = error_for(RawOffice {
        name: " ".into(),
        ..base()
    });
    assert_eq!(error.key(), "office[1].name");
    let error = error_for(RawOffice {
        building: String::new(),
        ..base()
    });
    assert_eq!(error.key(), "office[1].building");
    assert!(error.to_string().contains("place id"), "{error}");
}

#[test]
fn office_without_deciding_signal_is_rejected() {
    let empty = RawOffice {
        gateway_macs: vec![],
        ..base()
    };
    let cases = [
        (empty.clone(), "add bssids"),
        (
            RawOffice {
                dns_suffixes: vec!["corp.example.com".into()],
                ..empty.clone()
            },
            "dns_suffixes only corroborate",
        ),
        (
            RawOffice {
                ssids: vec!["Contoso".into()],
                ..empty.clone()
            },
            "ssid_alone_is_enough",
        ),
        (
            RawOffice {
                gateway_ips: vec!["192.0.2.1".into()],
                ..empty.clone()
            },
            "gateway_ips need subnets",
        ),
    ];
    for (office, fix_part) in cases {
        let error = error_for(office);
        assert_eq!(error.key(), "office[1]");
        let ConfigError::NoSignal { name, fix, .. } = &error else {
            panic!("expected NoSignal, got {error:?}");
        };
        assert_eq!(name, "Contoso HQ");
        assert!(fix.contains(fix_part), "fix {fix:?} lacks {fix_part:?}");
    }
}

#[test]
fn ssid_flag_without_ssids_is_rejected() {
    let error = error_for(RawOffice {
        ssid_alone_is_enough: true,
        ..base()
    });
    assert_eq!(error.key(), "office[1].ssids");
}

#[test]
fn ssid_alone_office_is_accepted() {
    let office = RawOffice {
        gateway_macs: vec![],
        ssids: vec!["Contoso".into()],
        ssid_alone_is_enough: true,
        ..base()
    };
    assert!(validate_office(0, &office).is_ok());
}

#[test]
fn duplicate_names_are_rejected() {
    let error = validate_offices(&[base(), base()]).unwrap_err();
    assert_eq!(error.key(), "office[1].name");
    assert!(matches!(error, ConfigError::DuplicateName { .. }));
}
