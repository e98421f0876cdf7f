import random
import time

from graph.documents import parse
from graph.entities import Found, Span, recognise

HEAD = "标题\n\n2020-05-06 08:00|来源:{src}|编辑:某某\n\n"


def names(text, src="陕西日报"):
    doc = parse(HEAD.format(src=src) + text, "t.txt")
    found = recognise(doc)
    return {(found.entities[sp.key].name, found.entities[sp.key].type) for sp in found.spans}, found


def test_everyday_words_are_not_places():
    got, _ = names("双方加强合作,投入真金白银,支持企业投资兴业,并延长了协议期限。甘肃省与天津市开展协作。")
    assert {n for n, _ in got} == {"甘肃省", "天津市"}


def test_a_common_word_is_a_place_when_listed_and_counted():
    got, _ = names("专家为延川、延长两县群众义诊。延安市各县积极响应。")
    assert {("延川县", "County"), ("延长县", "County"), ("延安市", "City")} <= got
    for text in ("宜川县与延长结对帮扶。", "延川县、宜川县、延长等地。"):  # joined to the place before it
        assert ("延长县", "County") in names(text)[0], text


def test_fused_abbreviations_and_deixis_follow_the_header():
    got, found = names("苏陕扶贫协作深入推进,我省与江苏省互派干部。", src="陕西日报")
    assert {("江苏省", "Province"), ("陕西省", "Province"), ("苏陕扶贫协作", "Program")} <= got
    got, _ = names("我省与广东省深化粤黔协作。", src="贵州日报")
    assert ("贵州省", "Province") in got and ("陕西省", "Province") not in got


def test_ambiguous_district_is_decided_by_the_document():
    _, found = names("南京市鼓楼区与商洛市结对。")
    assert "division:320106" in found.entities
    _, found = names("福建省福州市鼓楼区与宁夏回族自治区固原市原州区结对。")
    assert "division:350102" in found.entities and "division:320106" not in found.entities


def test_short_name_shared_by_several_divisions():
    _, found = names("北京市朝阳区与内蒙古自治区赤峰市结对,朝阳与赤峰共建园区。")
    assert "division:110105" in found.entities and "division:211300" not in found.entities


def test_unlinked_name_keeps_its_type():
    got, _ = names("城关镇与某地开展交流。")
    assert ("城关镇", "Town") in got


def test_village_of_a_named_town_is_linked():
    _, found = names("延川县文安驿镇梁家河村与江苏省某村结对。")
    assert "division:610622103215" in found.entities
    assert found.entities["division:610622103215"].type == "Village"


def test_parks_are_named_without_expansions_and_keep_their_partners():
    got, found = names("两省共建宁(南京)商(商洛)生物医药产业园和富(富平)丹(丹阳)产业园,建设扶贫产业园3个。")
    assert {("宁商生物医药产业园", "Park"), ("富丹产业园", "Park")} <= got
    assert not any(t == "Park" and n == "扶贫产业园" for n, t in got)
    assert found.park_partners["park:富丹产业园"] == ("division:610528", "division:321181")


def test_quoted_campaign_is_a_program():
    got, _ = names("江苏省开展“银发人才援陕”活动,这些“真金白银”带动增收。")
    assert ("银发人才援陕", "Program") in got and ("真金白银", "Program") not in got


def test_town_names_that_are_everyday_words_need_their_county():
    got, _ = names("各地发展乡村产业,推进乡村建设镇村联动。")
    assert not any(t == "Town" for _, t in got)


def test_papers_without_a_place_in_their_name_and_district_papers():
    _, found = names("我省对口支援新疆。", src="新华日报")
    assert found.home == "division:320000"
    got, found = names("我区新登、场口两镇与锦屏县敦寨、启蒙两镇结对。", src="富阳日报")
    assert found.home == "division:330111"
    assert {("新登镇", "Town"), ("场口镇", "Town"), ("敦寨镇", "Town"), ("启蒙镇", "Town"), ("富阳区", "County")} <= got


def test_a_park_word_inside_a_longer_one_names_no_second_park():
    got, _ = names("常州市与渭南市共建常渭工业园区,已入驻企业12家。")
    assert {n for n, t in got if t == "Park"} == {"常渭工业园区"}


def test_a_park_named_by_initials_may_open_with_a_stop_word_character():
    got, found = names("天津市和平区与甘肃省白银市共建和白电子信息产业园。", src="天津日报")
    assert {n for n, t in got if t == "Park"} == {"和白电子信息产业园"}
    assert found.park_partners["park:和白电子信息产业园"] == ("division:120101", "division:620400")
    got, _ = names("北京市密云区与内蒙古和林格尔县共建密和食品加工产业园。", src="北京日报")
    assert {n for n, t in got if t == "Park"} == {"密和食品加工产业园"}
    got, _ = names("天津市和平区与甘肃省开展协作,和平区和白银市共建产业园。", src="天津日报")
    assert not any(t == "Park" for _, t in got)  # 和 between two places stays a conjunction


def test_fused_initials_name_a_collaboration_and_a_park():
    got, found = names("厦门市与临夏回族自治州结对,厦临协作成效显著。两地共建的厦门·临夏产业园已投产。", src="厦门日报")
    assert ("厦临协作", "Program") in got and ("厦门·临夏产业园", "Park") in got
    got, found = names("如皋市与洋县共建如洋协作有机产业协同示范区。", src="南通日报")
    assert found.park_partners["park:如洋协作有机产业协同示范区"] == ("division:320682", "division:610723")


def test_parks_named_with_square_brackets_and_no_demonstratives():
    got, _ = names("两地共建的鹤龙[鹤山·龙州]产业园已封顶,双方将共建这一示范区。", src="广西日报")
    assert ("鹤龙产业园", "Park") in got and not any(n.startswith("这") for n, _ in got)


def test_a_city_without_counties_is_linked_to_the_city():
    _, found = names("天津市静海区与甘肃省嘉峪关市结对帮扶,嘉峪关市峪泉镇与静海区台头镇结对。")
    jiayuguan = found.entities["division:620200"]
    assert (jiayuguan.name, jiayuguan.type) == ("嘉峪关市", "City")
    assert not [k for k in found.entities if k.startswith("unlinked:")]


def test_a_village_name_two_towns_share_is_linked_only_when_its_town_is_named():
    _, found = names("延川县马家坪村与江苏省某村结对。")  # 大禹街道 and 文安驿镇 each have a 马家坪村
    village = found.entities["unlinked:Village:马家坪村"]
    assert village.parent == "division:610622" and village.code is None
    _, found = names("延川县文安驿镇马家坪村与江苏省某村结对。")
    assert found.entities["division:610622103240"].name == "马家坪村"


def test_a_document_that_places_something_under_a_division_states_the_chain_up_to_its_province():
    # The page's rebuild relies on it: a place's province never comes through another document's graph.
    from graph.documents import read
    from graph.extraction import extract
    from graph.rdf import EWC, RDF, quads
    from tests.conftest import ROOT

    chains = 0
    for path in sorted((ROOT / "tests" / "fixtures" / "articles").iterdir()):
        graph = quads(extract(read(path)))
        parent = {q.subject: q.object for q in graph if q.predicate == EWC.partOf}
        provinces = {q.subject for q in graph if q.predicate == RDF.type and q.object == EWC.Province}
        for up in parent.values():
            while up in parent:
                up = parent[up]
                chains += 1
            assert up in provinces, (path.name, up)
    assert chains > 100


def test_covered_is_whether_a_span_found_so_far_overlaps():
    rng, found = random.Random(7), Found()
    for _ in range(300):
        start = rng.randrange(500)
        if rng.random() < 0.3:  # spans are added between questions, long and short
            found.spans.append(Span(start, start + rng.choice((1, 2, 3, 12)), "k", "Town", "test", "x"))
        end = start + rng.choice((1, 2, 5))
        assert found.covered(start, end) == any(sp.start < end and start < sp.end for sp in found.spans), (start, end)


def test_a_persons_given_name_and_set_phrases_are_not_places():
    got, _ = names("挂职干部、副县长陈赤峰说,要让拉萨长治久安。援藏干部和林周群众喜获大丰收,北京中路车来车往。", src="西藏日报")
    assert {n for n, _ in got} == {"拉萨市", "林周县", "西藏自治区"}


def test_a_province_by_its_one_character_name_fuses_with_a_citys_initial():
    got, _ = names("上海市与遵义市携手多年,沪遵协作成效明显。", src="贵州日报")
    assert ("沪遵协作", "Program") in got


def test_a_park_named_after_a_verb_starts_after_it():
    got, _ = names("2023年将推动余杭—苍溪东西部协作产业园三期开工。\n\n序号\t帮扶方\t受援方\t项目\n"
                   "1\t余杭区\t苍溪县\t余杭—苍溪东西部协作产业园二期厂房\n", src="四川日报")
    assert {n for n, t in got if t == "Park"} == {"余杭—苍溪东西部协作产业园"}  # a table's cells part names


def test_a_count_after_a_list_says_what_kind_of_place_its_names_are():
    got, _ = names("辽宁大连与贵州六盘水结对,中山、东莞两市携手帮扶云南昭通市。", src="新华网")
    assert ("中山市", "City") in got and ("中山区", "County") not in got


def test_words_that_hold_a_place_name_in_a_national_report():
    got, _ = names("新华社北京12月14日电 从连云港市东海之滨到常德市武陵山区,甘肃建成县级电商中心,推进健康县城建设,"
                   "礼县与崂山区结对。", src="新华网")
    assert {n for n, _ in got} == {"北京市", "连云港市", "常德市", "礼县", "崂山区", "甘肃省"}  # 北京: the dateline


def test_ethnic_townships_and_counties_by_the_names_papers_use():
    got, _ = names("罗湖区东湖街道与塔县科克亚尔乡结成对子。", src="深圳特区报")
    assert {("塔什库尔干塔吉克自治县", "County"), ("科克亚尔柯尔克孜族乡", "Town")} <= got


def test_each_quoted_name_of_a_list_before_a_programme_word():
    got, _ = names("两地借助“粤菜师傅”“广东技工”、“南粤家政”三项工程培训厨师,“客家菜”很受欢迎。", src="南方日报")
    assert {n for n, t in got if t == "Program"} == {"粤菜师傅", "广东技工", "南粤家政"}


def test_a_village_right_after_its_town_holds_no_city():
    got, _ = names("余杭区瓶窑镇西安寺村与苍溪县三川镇川桥村结成帮扶对子。来自西安寺村的党员送来了图书。", src="四川日报")
    assert ("西安寺村", "Village") in got and "西安市" not in {n for n, _ in got}
    got, _ = names("西安寺村的党员送来了图书,西安市民踊跃参与。", src="陕西日报")
    assert ("西安市", "City") in got  # no town named before it: the city stays


def test_a_longer_full_name_wins_and_people_who_speak_are_no_places():
    got, _ = names("河北省援建平武县,安县也在重建,山东援建的新县城即将落成,惠州市专家沿龙门山断裂带走。那曲市牧民尼玛说,"
                   "江苏、浙江分别支援海南、海西2个自治州。黔南州副主任医师周福泉介绍,宁夏各地同心协力。", src="四川日报")
    assert {n for n, _ in got} == {"河北省", "平武县", "安州区", "山东省", "惠州市", "那曲市", "江苏省", "浙江省",
                                   "海南藏族自治州", "海西蒙古族藏族自治州", "黔南布依族苗族自治州", "宁夏回族自治区"}


def test_named_campaigns_plans_and_collaborations():
    got, _ = names("举行了2018年“春风行动”启动仪式,开展“我为群众办实事”主题实践活动,实施《天津市·甘肃省“十四五”深化东西部"
                   "协作规划》,深入实施农业特色优势产业三年倍增行动,不断提高“丽水山耕”品牌知名度。"
                   "闽宁互学互助对口协作第十六次联席会议召开。", src="甘肃日报")
    programs = {n for n, t in got if t == "Program"}
    assert {"春风行动", "我为群众办实事", "天津市·甘肃省十四五深化东西部协作规划", "农业特色优势产业三年倍增行动",
            "闽宁互学互助对口协作"} <= programs
    assert "丽水山耕" not in programs  # a brand


def test_parks_by_their_whole_names():
    got, _ = names("打造陇南文县·青岛即墨区现代农业产业示范园区。捐赠500万元帮助“仡山茶海”茶旅一体化高效农业示范园区建设。"
                   "杭州余杭与衢州共建杭州未来科技城衢州园项目。组织实施沙子镇三合村农业园区公路改造。"
                   "富平发展投资集团有限公司具体负责园区建设。", src="甘肃日报")
    parks = {n for n, t in got if t == "Park"}
    assert parks == {"陇南文县·青岛即墨区现代农业产业示范园区", "仡山茶海茶旅一体化高效农业示范园区", "杭州未来科技城衢州园"}


def test_places_inside_words_outlets_and_names_of_the_time():
    got, _ = names("安康新闻网讯 知青上山下乡,缓解城区学校问题,参与市中等职业技术学校建设。", src="安康日报")
    assert not {n for n, _ in got} & {"安康市", "山下乡", "城区", "市中区"}
    got, found = names("央广网伊宁4月25日消息 新疆阿克苏市就业人员赴杭州。浙江人民对口支援阿克苏。", src="央广网")
    assert {("伊宁市", "County"), ("阿克苏地区", "City"), ("阿克苏市", "County")} <= got
    found = recognise(parse("江苏援陕纪实\n\n2010年,常州金坛市帮助紫阳县修建石拱桥。2010年,南京市高淳等区县实施项目。"
                            "2010年援建道路114公里。", "t.txt"))  # undated: it speaks of 2010
    assert found.entities["division:320413"].called == "金坛市"  # as written
    assert found.entities["division:320118"].called == "高淳县"  # bare: the name of the article's year


def test_a_long_run_of_digits_after_a_list_of_names_is_read_in_time():  # tests/test_properties.py: the list of
    start = time.perf_counter()  # towns backtracked over every split of the digits, for hours at 40
    names("富平县庄里镇、王寮" + "1" * 40 + "号。")
    assert time.perf_counter() - start < 5


def test_a_village_named_under_its_county_brings_its_town_so_every_parent_is_an_entity():  # tests/test_properties.py:
    _, found = names("松江区与勐海县结对,胡家埭村与曼山村开展村村结对。", src="云南日报")  # relations raised KeyError
    assert found.entities["division:310117117"].name == "新浜镇"  # 胡家埭村's town, not named
    assert all(e.parent in found.entities for e in found.entities.values() if e.parent)
