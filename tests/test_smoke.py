def test_partner_files_and_manager_walks_to_closed(factory):
    case = factory.case("closed")
    assert case.state == "closed"
    assert case.outcome == "completed"
    assert [e.trigger for e in case.events] == ["submit", "assess", "mobilise", "deliver", "close"]
