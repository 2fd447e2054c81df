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
