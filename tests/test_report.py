"""The yearly report's texts and tables (lkt_analysis.report), on the bundled project and small changes to it."""

import lkt_analysis as lkt


def test_the_report_says_how_each_shared_post_is_split_as_the_project_file_says(project_dir):
    path = project_dir / "lkt_project.toml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "specialist_health_service = 0.5, municipalities = 0.5", "specialist_health_service = 0.3, "
        "municipalities = 0.7"), encoding="utf-8")
    result = lkt.distribute(lkt.load_project(path), 2018)  # autumn 2018 has posts already covered
    text = lkt.report.budget_section(result)
    assert "blir delte med 30\xa0% på spesialisthelsetenesta og 70\xa0% på kommunane" in text
    assert "likt" not in text and "«* dekt»" in text


def test_a_budget_without_shared_or_covered_posts_says_nothing_of_them(project_dir):
    from conftest import HB, KOM, write_budget

    write_budget(project_dir / "lkt_budget.xlsx", [["1", "Leder", 2018, 100, None, HB],
                                                   ["1", "Leder", 2019, 100, None, KOM]])
    result = lkt.distribute(lkt.load_project(project_dir / "lkt_project.toml"), 2019)
    assert lkt.report.budget_section(result) == "<h2>Budsjettpostar</h2>"


def test_the_first_page_says_whether_the_key_was_adopted_and_by_whom(project):
    adopted = lkt.distribute(project, 2019)
    page = lkt.report.introduction(adopted)
    assert ("<strong>Vedteken fordelingsnøkkel:</strong> Bergen 50\xa0%, resten etter folketal, vedteken av "
            "styringsgruppa 25. mai 2018") in page
    assert lkt.report.page_header(adopted) == "LKT · 2019 · Bergen 50 %, resten etter folketal"
    assert "slik det er vist i vedlegg 3 - Fordeling" in lkt.report.decision_html([adopted])  # as the councils word it

    alternative = lkt.distribute(project, 2019, "per_capita")
    page = lkt.report.introduction(alternative)
    assert "<strong>Alternativ fordeling, ikkje vedteken.</strong>" in page and "vedteken av" not in page
    assert "Den vedtekne nøkkelen er «Bergen 50\xa0%, resten etter folketal»." in page
    assert lkt.report.page_header(alternative).endswith(" · ALTERNATIV, IKKJE VEDTEKEN")
    table = lkt.report.decision_html([lkt.distribute(project, y, "per_capita") for y in (2018, 2019)])
    assert "vil dekkja" not in table and "Beløp 2019 (kr)" in table  # what each would pay, no decision


def test_a_year_the_municipalities_pay_nothing_of_or_without_new_cost_still_makes_its_report(project_dir):
    from conftest import HB, KOM, write_budget

    write_budget(project_dir / "lkt_budget.xlsx", [["1", "Leder", 2018, 100, None, HB],  # synthetic
                                                   ["2", "Team", 2019, 100, "x", KOM]])
    project = lkt.load_project(project_dir / "lkt_project.toml")
    only_hospitals, covered = lkt.distribute(project, 2018), lkt.distribute(project, 2019)
    assert lkt.report.split_chart(only_hospitals).caption == "Kommunane betalar ingenting av den nye kostnaden."
    assert lkt.report.split_chart(covered) == "" and lkt.report.split_section(covered) == ""  # nothing to show
    assert "Kven ber kostnaden" in lkt.report.split_section(only_hospitals)
    assert "ingen ny kostnad" in lkt.report.introduction(covered).plain().lower()
