from graph.documents import parse
from graph.entities import recognise
from graph.relations import relate
from tests.conftest import ROOT

HEAD = "标题\n\n2020-05-06 08:00|来源:{src}|编辑:某某\n\n"


def facts(text, src="广西日报"):
    doc = parse(HEAD.format(src=src) + text, "t.txt")
    found = recognise(doc)
    relations, observations = relate(doc, found)
    name = lambda k: found.entities[k].name
    out = set()
    for r in relations:
        if r.kind == "pairedWith":
            out.add(("pairedWith", frozenset(map(name, r.partners)), r.level, r.year))
        elif r.kind == "funds":
            out.add(("funds", name(r.partners[0]), name(r.partners[1]), r.amount, r.year, r.funding_kind))
        else:
            out.add(("coBuilds", name(r.park), frozenset(map(name, r.partners))))
    return out, observations


def pairs(out):
    return {f[1] for f in out if f[0] == "pairedWith"}


def P(*names):
    return frozenset(names)


def test_list_of_city_pairs_in_one_sentence():
    out, _ = facts("深圳市与百色市、河池市,广州市与梧州市、河池市,东莞市与贺州市,佛山市与来宾市结对帮扶。")
    assert pairs(out) == {P("深圳市", "百色市"), P("深圳市", "河池市"), P("广州市", "梧州市"), P("广州市", "河池市"),
                          P("东莞市", "贺州市"), P("佛山市", "来宾市")}


def test_pairs_joined_by_a_and_b_and_c_and_d():
    out, _ = facts("2019年,南京市与商洛市、苏州市与汉中市分别结对。")
    assert pairs(out) == {P("南京市", "商洛市"), P("苏州市", "汉中市")}
    assert all(f[2] == "City" and f[3] == 2019 for f in out if f[0] == "pairedWith")


def test_directional_pairing_verb():
    out, _ = facts("上海市嘉定区对口帮扶云南省文山壮族苗族自治州富宁县。")
    assert pairs(out) == {P("嘉定区", "富宁县")}


def test_no_pairing_without_a_pairing_word_or_between_counts():
    out, _ = facts("江苏省与陕西省的客商在西安洽谈。陕西省56个贫困县与江苏省51个县结对。")
    assert pairs(out) == set()


def test_two_provinces_said_to_work_together_are_a_pair():
    out, _ = facts("2010年,江苏省与陕西省探索扶贫协作的新思路。按照山东、西藏两省区党委部署推进。")
    assert pairs(out) == {P("江苏省", "陕西省"), P("山东省", "西藏自治区")}
    out, _ = facts("北京、天津、辽宁、上海等东部省市与西部省区开展扶贫协作。")
    assert pairs(out) == set()  # a list of provinces is no pair


def test_fused_pair_is_a_province_pairing():
    out, _ = facts("闽宁协作20多年来成效显著。", src="宁夏日报")
    assert pairs(out) == {P("福建省", "宁夏回族自治区")}


def test_funding_giver_receiver_amount_year_kind():
    out, _ = facts("江苏省2017年支援陕西省扶贫协作资金4.5亿元,是上年的2.25倍。"
                   "2018年,深圳市向百色市捐赠2000万元。")
    assert ("funds", "江苏省", "陕西省", 450_000_000, 2017, "FiscalAid") in out
    assert ("funds", "深圳市", "百色市", 20_000_000, 2018, "Donation") in out


def test_funding_year_from_the_paragraph_lead_and_none_when_cumulative():
    out, _ = facts("2019年,各项工作扎实推进。广州市支援毕节市财政资金3亿元。\n  截至目前,广东省累计向广西壮族自治区投入财政援助资金50亿元。")
    assert ("funds", "广州市", "毕节市", 300_000_000, 2019, "FiscalAid") in out
    assert ("funds", "广东省", "广西壮族自治区", 5_000_000_000, None, "FiscalAid") in out


def test_vague_giver_gives_no_funding():
    out, _ = facts("江苏省有关县(区)、镇政府还另行筹措财政资金1.05亿元,定向支持对口帮扶县发展产业。")
    assert not [f for f in out if f[0] == "funds"]


def test_cobuilt_park_partners_from_name_and_builders():
    out, _ = facts("苏陕两省深化协作。两省共建富(富平)丹(丹阳)产业园。", src="陕西日报")
    assert ("coBuilds", "富丹产业园", frozenset({"富平县", "丹阳市", "江苏省", "陕西省"})) in out


def test_a_park_named_by_its_builders_initials_is_theirs_though_they_read_as_province_abbreviations():
    # 宁 and 甘 also abbreviate 宁夏 and 甘肃; here 宁海县 and 甘孜县 leave the initials to more than one place
    text = "宁波市宁海县与甘孜藏族自治州甘孜县结对。宁波市与甘孜藏族自治州共建宁甘食品加工产业园,已入驻企业12家。"
    out, _ = facts(text, src="四川日报")
    assert ("coBuilds", "宁甘食品加工产业园", frozenset({"宁波市", "甘孜藏族自治州"})) in out
    out, _ = facts("闽宁两省区深化协作。两地共建闽宁产业园。", src="宁夏日报")
    assert ("coBuilds", "闽宁产业园", frozenset({"福建省", "宁夏回族自治区"})) in out


def test_figures_are_observations_of_the_place_before_them():
    _, observations = facts("江苏省135家企业在陕投资。")
    assert [(o.about, o.value, o.unit) for o in observations] == [("division:320000", 135, "家")]


def test_parallel_lists_pair_off_in_order_and_only_then():
    out, _ = facts("北京、天津、上海、福建4省市分别与内蒙古、甘肃、云南、宁夏4省区结对。")
    assert pairs(out) == {P("北京市", "内蒙古自治区"), P("天津市", "甘肃省"), P("上海市", "云南省"), P("福建省", "宁夏回族自治区")}
    out, _ = facts("兰溪市与通江县、东阳市与南江县、义乌市与巴州区分别结成帮扶对子。", src="四川日报")
    assert pairs(out) == {P("兰溪市", "通江县"), P("东阳市", "南江县"), P("义乌市", "巴州区")}


def test_relative_clause_and_verb_at_the_end_of_a_gap():
    out, _ = facts("湖南省湘西州花垣县获得支持,与花垣县结对的济南市槐荫区今年已向花垣县拨付协作资金1800万元。", src="团结报")
    assert P("槐荫区", "花垣县") in pairs(out)
    out, _ = facts("江苏是1997年首批对口支援新疆的省份之一。", src="新华日报")
    assert pairs(out) == {P("江苏省", "新疆维吾尔自治区")}


def test_objects_of_a_linking_verb_are_not_a_pair():
    out, _ = facts("对口支援西藏和新疆工作继续推进。广东省继续对口支援新疆喀什地区疏附县、伽师县和西藏林芝市。")
    assert pairs(out) == {P("广东省", "疏附县"), P("广东省", "伽师县"), P("广东省", "林芝市")}


def test_years_within_the_year_and_relative_to_the_article_date():
    out, _ = facts("今年济南市计划安排我州财政援助资金3.25亿元,截至5月底已到位2.1亿元。", src="团结报")
    assert ("funds", "济南市", "湘西土家族苗族自治州", 210_000_000, 2020, "FiscalAid") in out
    out, _ = facts("今年以来,我省已向新疆拨付援疆资金23.6亿元。1997年以来,我省累计提供援疆资金超过300亿元。", src="新华日报")
    assert ("funds", "江苏省", "新疆维吾尔自治区", 2_360_000_000, 2020, "FiscalAid") in out
    assert ("funds", "江苏省", "新疆维吾尔自治区", 30_000_000_000, None, "FiscalAid") in out


def test_averages_and_increases_are_not_fundings():
    out, _ = facts("2019年,北京市结对帮扶我区旗县,扶贫协作资金由县均1000万元提高到县均3000万元。"
                   "今年,我区下达锦屏县资金2150万元,较去年增加350万元。", src="内蒙古日报")
    assert [f[3] for f in out if f[0] == "funds"] == [21_500_000]


def test_respective_fundings_from_a_list_to_a_list():
    out, _ = facts("2022年,天津市河东区中山门街道、春华街道分别向甘肃省甘南州卓尼县柳林镇、扎古录镇拨付结对帮扶资金20万元。", src="甘肃日报")
    assert {f[1:5] for f in out if f[0] == "funds"} == {("中山门街道", "柳林镇", 200_000, 2022), ("春华街道", "扎古录镇", 200_000, 2022)}


def test_a_long_report_states_what_its_parts_state():
    from graph.extraction import extract_text
    from graph.rdf import facts_json, quads

    article = (ROOT / "corpus" / "sushaan-2018-01-08.txt").read_text(encoding="utf-8")
    body = article.split("\n\n", 2)[2]  # its header once; the body 150 times: 400,000 characters
    once, report = (facts_json(quads(extract_text(t, "r.txt")), "r.txt") for t in (article, article + ("\n\n" + body) * 149))
    assert len(report["relations"]) == 6 and sorted(map(str, report["relations"])) == sorted(map(str, once["relations"]))
    assert report["entities"] == once["entities"]


def test_a_table_of_givers_and_receivers_gives_funds_in_its_unit_and_the_captions_year():
    out, _ = facts("附表\n\n2022年东西部协作资金安排表\n序号\t受援方\t帮扶方\t项目\t资金（万元）\n1\t苍溪县\t余杭区\t供水工程\t1,500\n"
                   "2\t白驿镇\t五常街道\t示范点\t50\n小计\t苍溪县\t余杭区\t\t1,550\n合计\t\t\t\t1,550\n", src="四川日报")
    assert out == {("funds", "余杭区", "苍溪县", 15_000_000, 2022, "FiscalAid"),
                   ("funds", "五常街道", "白驿镇", 500_000, 2022, "FiscalAid")}  # no pairs: the table does not say so


def test_a_table_of_pairs_is_read_giver_first_by_the_east_with_the_headings_year():
    out, _ = facts("珠海市与遵义市结对。\n\n序号\t遵义市结对县\t珠海市结对区\t2021年财政帮扶资金（亿元）\n1\t正安县\t香洲区\t0.48\n"
                   "2\t桐梓县\t香洲区\t0.42\n3\t湄潭县\t横琴新区\t0.35\n", src="贵州日报")
    assert {f for f in out if f[0] == "funds"} == {("funds", "香洲区", "正安县", 48_000_000, 2021, "FiscalAid"),
                                                   ("funds", "香洲区", "桐梓县", 42_000_000, 2021, "FiscalAid")}
    assert pairs(out) == {P("珠海市", "遵义市"), P("香洲区", "正安县"), P("香洲区", "桐梓县")}


def test_pairs_written_with_a_dash_and_towns_of_a_citys_zone():
    out, _ = facts("日照市援助黔江区。岚山区高兴镇与邻鄂镇,日照经开区北京路街道与城西街道,东莞镇东莞新村—石会镇中元村,"
                   "北京路街道大连路社区—城西街道水井湾社区结成帮扶对子。", src="重庆日报")
    assert pairs(out) == {P("高兴镇", "邻鄂镇"), P("北京路街道", "城西街道"), P("东莞新村", "中元村"),
                          P("大连路社区", "水井湾社区")}


def test_a_list_of_fused_pairs_ending_in_a_collaboration_word():
    out, _ = facts("京蒙、津甘、沪滇等协作关系家喻户晓,把川渝黔桂的劳动力送到粤浙苏沪的工厂,沿着云贵高原前行。")
    assert pairs(out) == {P("北京市", "内蒙古自治区"), P("天津市", "甘肃省"), P("上海市", "云南省")}


def test_receivers_each_get_their_amount_in_order():
    out, _ = facts("今年广东省向广西、贵州两省区投入财政援助资金31.2亿元和38.5亿元;上海市投入云南省财政援助资金46.6亿元。")
    assert {f for f in out if f[0] == "funds"} == {("funds", "广东省", "广西壮族自治区", 3_120_000_000, 2020, "FiscalAid"),
                                                   ("funds", "广东省", "贵州省", 3_850_000_000, 2020, "FiscalAid"),
                                                   ("funds", "上海市", "云南省", 4_660_000_000, 2020, "FiscalAid")}


def test_each_place_of_a_list_before_a_pairing_verb_pairs_and_a_list_under_a_colon_is_read():
    out, _ = facts("上海市静安区、虹口区对口帮扶文山州。两区与文山州8个县(市)全部建立了结对关系:\n静安区—广南县、富宁县\n"
                   "虹口区 — 马关县、文山市\n\n深圳市与百色市、河池市,广州市与梧州市结对。", src="云南日报")
    assert pairs(out) == {P("静安区", "文山壮族苗族自治州"), P("虹口区", "文山壮族苗族自治州"), P("静安区", "广南县"),
                          P("静安区", "富宁县"), P("虹口区", "马关县"), P("虹口区", "文山市"), P("深圳市", "百色市"),
                          P("深圳市", "河池市"), P("广州市", "梧州市")}


def test_a_table_that_names_givers_but_no_receivers_gives_no_funds():
    out, _ = facts("项目明细\n序号  项目名称　　　　  实施地点　　  帮扶单位　　  资金(万元)\n"
                   "1     闽宁劳务协作项目  　全县　　　　  福清市　　    300\n2     马铃薯基地项目　  将台堡镇　　  福清市　　    680\n",
                   src="宁夏日报")
    assert not [f for f in out if f[0] == "funds"]


def test_a_collaborations_name_in_a_table_cell_is_no_third_place():
    out, _ = facts("2022年结对县资金表\n序号\t福建结对县\t宁夏结对县\t项目\t资金(万元)\n1\t福清市\t西吉县\t闽宁协作产业项目\t300\n"
                   "2\t晋江市\t红寺堡区\t闽宁劳务协作项目\t200\n", src="宁夏日报")
    assert {f for f in out if f[0] == "funds"} == {("funds", "福清市", "西吉县", 3_000_000, 2022, "FiscalAid"),
                                                   ("funds", "晋江市", "红寺堡区", 2_000_000, 2022, "FiscalAid")}


def test_a_passive_pairing_names_the_helper_after_you():
    out, _ = facts("海丰县由罗湖区结对帮扶,资金由省里统筹。", src="南方日报")
    assert pairs(out) == {P("海丰县", "罗湖区")}


def test_years_and_receivers_in_lists_and_money_spent_in_a_place():
    out, _ = facts("上海市2008年、2009年分别向都江堰市投入援建资金21.4亿元、36.8亿元。\n2020年,江苏省在绵竹市投入援建资金41.7亿元。",
                   src="四川日报")
    assert {f for f in out if f[0] == "funds"} == {("funds", "上海市", "都江堰市", 2_140_000_000, 2008, "FiscalAid"),
                                                   ("funds", "上海市", "都江堰市", 3_680_000_000, 2009, "FiscalAid"),
                                                   ("funds", "江苏省", "绵竹市", 4_170_000_000, 2020, "FiscalAid")}


def test_lists_paired_in_order_after_dengshi_fenbie():
    out, _ = facts("广东省组织广州、佛山、东莞等市分别对口援建汶川县威州镇、水磨镇、映秀镇。", src="四川日报")
    assert pairs(out) == {P("广州市", "威州镇"), P("佛山市", "水磨镇"), P("东莞市", "映秀镇")}


def test_clauses_after_a_pairing_clause_and_x_dui_y_lists():
    out, _ = facts("市级结对关系为:深圳对百色、河池,湛江对柳州。廉江市对口融水县;茂南、电白两区共同帮扶金秀县。电白区帮扶龙州县。",
                   src="广西日报")
    assert pairs(out) == {P("深圳市", "百色市"), P("深圳市", "河池市"), P("湛江市", "柳州市"),
                          P("廉江市", "融水苗族自治县"), P("茂南区", "金秀瑶族自治县"), P("电白区", "金秀瑶族自治县")}


def test_the_same_giver_goes_on_to_a_second_receiver_and_a_table_of_helping_and_helped_counties():
    out, _ = facts("去年,深圳市向百色市投入6.3亿元、向河池市投入5.1亿元。\n\n"
                   "帮扶县(区)\t受帮扶县\t2019年到位资金(万元)\n晋江市\t红寺堡区\t1860\n南安市\t同心县\t1420\n合计\t\t3280\n",
                   src="广西日报")
    assert {f for f in out if f[0] == "funds"} == {("funds", "深圳市", "百色市", 630_000_000, 2019, "FiscalAid"),
                                                   ("funds", "深圳市", "河池市", 510_000_000, 2019, "FiscalAid"),
                                                   ("funds", "晋江市", "红寺堡区", 18_600_000, 2019, "FiscalAid"),
                                                   ("funds", "南安市", "同心县", 14_200_000, 2019, "FiscalAid")}
    assert pairs(out) == {P("晋江市", "红寺堡区"), P("南安市", "同心县")}


def test_a_pairing_clause_does_not_carry_into_the_next_paragraph():
    out, _ = facts("一是深化结对;\n二是福州市与定西市签订合作协议。", src="甘肃日报")
    assert pairs(out) == set()


def test_the_giver_of_a_sentence_goes_on_giving_after_a_clause_about_use():
    out, _ = facts("2019年,甘井子区全年援助六枝特区资金3600万元,重点用于郎岱镇的产业路,并向六枝特区捐赠款物800余万元。",
                   src="贵州日报")
    assert {f for f in out if f[0] == "funds"} == {("funds", "甘井子区", "六枝特区", 36_000_000, 2019, "FiscalAid"),
                                                   ("funds", "甘井子区", "六枝特区", 8_000_000, 2019, "Donation")}


def funds(out):
    return {f[1:5] for f in out if f[0] == "funds"}


def test_money_without_a_giver_takes_the_collaboration_of_its_sentence_and_paragraph():
    out, _ = facts("千阳与新沂建立对口扶贫协作关系以来,去年落实扶贫协作资金710万元,今年落实协作资金510万元。", src="宝鸡日报")
    assert funds(out) == {("新沂市", "千阳县", 7_100_000, 2019), ("新沂市", "千阳县", 5_100_000, 2020)}
    out, _ = facts("2024年,天津市对口帮扶甘肃省。\n\n2024年,安排9.65亿元财政援助资金。社会各界捐助折款1.45亿元。")
    assert funds(out) == {("天津市", "甘肃省", 965_000_000, 2024)}  # society is no place: nothing from the passage


def test_a_giver_named_alone_gives_to_the_pair_the_passage_narrows_its_umbrella_to():
    out, _ = facts("西双版纳州贫困村 上海帮扶全覆盖\n\n上海市松江区与西双版纳州结对帮扶。\n\n"
                   "沪滇扶贫协作成效显著。帮扶4年来,上海方面累计投入财政帮扶资金3.11亿元。")
    assert ("上海市", "西双版纳傣族自治州", 311_000_000, None) in funds(out)


def test_the_receiver_after_the_amount_and_a_projects_place():
    out, _ = facts("1996年到2011年,福建累计援助7.74亿元帮扶宁夏发展。上海市杨浦区投入5390万元援建遵义市道真自治县53个项目。"
                   "宁波市投资200万元,组织实施晴隆县沙子镇三合村公路改造。")
    assert funds(out) == {("福建省", "宁夏回族自治区", 774_000_000, None),
                          ("杨浦区", "道真仡佬族苗族自治县", 53_900_000, None),
                          ("宁波市", "晴隆县", 2_000_000, None)}  # no time word (1996年到2011年 is no year for the paragraph)


def test_lists_in_step_and_each():
    out, _ = facts("杭州、湖州、绍兴、金华4市将分别帮扶300万元,拟实施康定市核桃产业、丹巴县葡萄产业、新龙县洋葱产业、"
                   "得荣县核桃产业等4个项目。", src="四川日报")
    assert funds(out) == {(a, b, 3_000_000, None) for a, b in (("杭州市", "康定市"), ("湖州市", "丹巴县"),
                                                              ("绍兴市", "新龙县"), ("金华市", "得荣县"))}
    out, _ = facts("大丰区、东台市今年还分别安排财政帮扶资金850万元和720万元,用于宜君县、耀州区的产业路建设。")
    assert funds(out) == {("大丰区", "宜君县", 8_500_000, 2020), ("东台市", "耀州区", 7_200_000, 2020)}
    out, _ = facts("化州市杨梅镇、同庆镇2个与忻城县结对的乡镇各捐助资金10万元,用于忻城县的道路硬化。")
    assert funds(out) == {("杨梅镇", "忻城县", 100_000, None), ("同庆镇", "忻城县", 100_000, None)}
    assert pairs(out) == {P("杨梅镇", "忻城县"), P("同庆镇", "忻城县")}


def test_totals_parts_spans_of_years_and_rates():
    out, _ = facts("2010年江苏省向陕西省投入无偿援助资金3559万元,其中省级财政拨付1000万元。"
                   "1996年到2015年年底,宁波市共帮扶黔西南州项目1573个,金额达5.51亿元。"
                   "北京市各区每年向每个旗县投入资金不少于2000万元。")
    assert funds(out) == {("江苏省", "陕西省", 35_590_000, 2010), ("江苏省", "陕西省", 10_000_000, 2010),
                          ("宁波市", "黔西南布依族苗族自治州", 551_000_000, None)}


def test_years_of_events_reported_and_of_yearly_figures():
    out, _ = facts("会上,新沂市向千阳县捐赠了困难学生救助资金50万元。截至目前,山东拨付重庆财政援助资金6.6亿元,较去年增长25.3%。"
                   "西青区一季度向麦积区拨付首批帮扶资金800万元。")
    assert funds(out) == {("新沂市", "千阳县", 500_000, 2020), ("山东省", "重庆市", 660_000_000, 2020),
                          ("西青区", "麦积区", 8_000_000, 2020)}


def test_a_receiver_first_and_money_named_after_its_owner():
    out, _ = facts("13日,平武县收到了浙江省衢江区发来的救灾慰问金50万元。"
                   "房山区对口帮扶突泉县以来,利用2058万元京蒙扶贫协作资金购买奶牛。")
    assert funds(out) == {("衢江区", "平武县", 500_000, 2020), ("北京市", "突泉县", 20_580_000, None)}


def test_pairs_whose_subject_or_object_is_left_to_the_reader():
    out, _ = facts("永康、东阳、船山是理县的对口帮扶伙伴。")
    assert pairs(out) == {P("永康市", "理县"), P("东阳市", "理县"), P("船山区", "理县")}
    out, _ = facts("会上,东莞市虎门镇·铜仁市松桃苗族自治县长兴堡镇对口结对协议签约。"
                   "会上,虎门镇领导表示,自与松桃结对协作工作开展以来,双方情谊深厚。")
    assert pairs(out) == {P("虎门镇", "长兴堡镇"), P("虎门镇", "松桃苗族自治县")}
    out, _ = facts("景宁畲族自治县先后得到鄞州区、温岭市等地的对口扶持。作为杭州对口协作地区,衢州市加快发展。")
    assert pairs(out) == {P("景宁畲族自治县", "鄞州区"), P("景宁畲族自治县", "温岭市"), P("杭州市", "衢州市")}
    out, _ = facts("30年来,山东认真落实部署,先后担负起对口支援西藏日喀则市及其下辖桑珠孜、白朗2个县区的重任。")
    assert pairs(out) == {P("山东省", "日喀则市"), P("山东省", "桑珠孜区"), P("山东省", "白朗县")}
    out, _ = facts("扎赉特旗盛产大米。丰台区对口帮扶后,农产品进入北京市场。")
    assert pairs(out) == {P("丰台区", "扎赉特旗")}
    out, _ = facts("西双版纳州副州长刘俊杰介绍:“上海市松江区与我们结对帮扶后,双方加大合作。”")
    assert pairs(out) == {P("松江区", "西双版纳傣族自治州")}


def test_parks_built_by_the_places_a_sentence_names():
    out, _ = facts("走进南浔·广安东西部协作产业园。园区由浙江省湖州市南浔区、四川省广安市广安区合力打造。")
    assert any(f[0] == "coBuilds" and f[1] == "南浔·广安东西部协作产业园" and f[2] >= P("南浔区", "广安区") for f in out)
    out, _ = facts("永康市、东阳市和船山区、理县签订协议,在船山区建立“川浙飞地产业园”。")
    assert any(f[0] == "coBuilds" and f[1] == "川浙飞地产业园" and f[2] >= P("永康市", "东阳市", "船山区", "理县") for f in out)
    out, _ = facts("丽水推进莲都—义乌、龙泉—萧山等2个省级山海协作产业园建设。", src="浙江日报")
    assert {f for f in out if f[0] == "coBuilds"} == {("coBuilds", "莲都—义乌山海协作产业园", P("莲都区", "义乌市")),
                                                      ("coBuilds", "龙泉—萧山山海协作产业园", P("龙泉市", "萧山区"))}
    out, _ = facts("陇南市文县打造陇南文县·青岛即墨区现代农业产业示范园区。")  # the name's most specific places
    assert ("coBuilds", "陇南文县·青岛即墨区现代农业产业示范园区", P("文县", "即墨区")) in out


def test_every_park_of_a_list_after_a_builder_verb_is_built_by_its_subjects():
    out, _ = facts("苏陕两省协作深化。两省共建宁(南京)商(商洛)生物医药产业园和富(富平)丹(丹阳)产业园。", src="陕西日报")
    built = {f[1]: f[2] for f in out if f[0] == "coBuilds"}
    assert built["宁商生物医药产业园"] >= P("江苏省", "陕西省", "南京市", "商洛市")
    assert built["富丹产业园"] >= P("江苏省", "陕西省", "富平县", "丹阳市")


def test_the_giver_of_money_received_is_named_before_the_amount():  # tests/test_properties.py: a giver after the
    doc = parse(HEAD.format(src="四川日报") + "浙江省衢州市与四川省绵阳市结对。平武县收到50万元,衢江区表示。", "t.txt")
    found = recognise(doc)  # amount made evidence that ended before it began
    funds = [r for r in relate(doc, found)[0] if r.kind == "funds"]
    assert funds and all(r.evidence.start <= r.evidence.end for r in funds)
    assert "division:330803" not in {r.partners[0] for r in funds}  # 衢江区
    table = "帮扶方\t受援方\t资金(万元)\n杭州市\t恩施州\t" + "9" * 400 + "\n宁波市\t黔西南州\t200"
    doc = parse(HEAD.format(src="浙江日报") + table, "t.txt")  # a cell of 400 digits is no sum, the next row is
    assert [r.amount for r in relate(doc, recognise(doc))[0] if r.kind == "funds"] == [2_000_000]
