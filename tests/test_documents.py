import codecs

import pytest

from graph.documents import MAX_PARAGRAPH, MAX_SENTENCE, DocumentError, decode, html_to_text, normalise, parse, read

HEADER = "苏陕协作再上新台阶\n\n2019-03-02 09:10:00|来源:陕西日报|编辑:李明|责编:张华\n\n"


def test_header_gives_title_date_source_and_people():
    doc = parse(HEADER + "  正文第一句。第二句!\n  (陕西日报记者 王强)\n", "a.txt")
    assert doc.title == "苏陕协作再上新台阶"
    assert doc.date == "2019-03-02T09:10:00"
    assert doc.source == "陕西日报"
    assert doc.editors == ("李明", "张华")
    assert doc.reporters == ("王强",)


def test_header_with_full_width_fields_and_chinese_date():
    doc = parse("标题\n来源：宁夏日报　　作者：马晓芳　　发布时间：2019年06月12日 09:30\n正文。", "b.txt")
    assert (doc.source, doc.reporters, doc.date) == ("宁夏日报", ("马晓芳",), "2019-06-12T09:30:00")


def test_sentences_exclude_header_credit_and_boilerplate():
    doc = parse(HEADER + "  第一句。第二句;第三句\n  (陕西日报记者 王强)\n\n版权声明:未经授权不得转载。\n友情链接", "c.txt")
    sentences = [doc.clean[s:e] for s, e in doc.sentences]
    assert sentences == ["苏陕协作再上新台阶", "第一句。", "第二句;", "第三句"]


def test_traditional_and_full_width_are_normalised_with_offsets_into_the_original():
    text = "陝西省富平縣（Fùpíng）與江蘇省　丹陽市結對。"
    clean, offsets = normalise(text)
    assert clean == "陕西省富平县(Fùpíng)与江苏省丹阳市结对。".replace("(Fùpíng)", "")
    doc = parse(text, "t.txt")
    start = doc.clean.index("丹阳市")
    s, e = doc.original(start, start + 3)
    assert text[s:e] == "丹陽市"


def test_variant_characters_opencc_misses():
    assert normalise("陜西")[0] == "陕西"


def test_decode_gb18030_and_refuse_binary_and_empty():
    assert decode("苏陕协作".encode("gb18030"), "g.txt") == "苏陕协作"
    with pytest.raises(DocumentError, match="g.bin: binary"):
        decode(b"\x89PNG\r\n\x1a\n\x00\x00\x00", "g.bin")
    with pytest.raises(DocumentError, match="e.txt: empty"):
        decode(b"  \n ", "e.txt")
    with pytest.raises(DocumentError, match="undecodable"):
        decode(b"\xff\xfe\xfa\xfb\x81\x30" * 10, "u.txt")


def test_decode_utf16_and_utf32_with_a_bom_and_the_charset_a_page_declares():
    text = "江苏省与陕西省结对帮扶。\n2018年,苏州市援助资金3亿元。"
    for data in (text.encode("utf-16"), codecs.BOM_UTF16_BE + text.encode("utf-16-be"), text.encode("utf-32")):
        assert decode(data, "notepad.txt") == text
    page = '<html><head><meta http-equiv="Content-Type" content="text/html; charset=big5"><title>蘇陝協作</title></head>' \
           '<body><p>江蘇省與陝西省結對幫扶。</p></body></html>'
    assert decode(page.encode("big5"), "tw.html") == page
    assert decode(page.replace("big5", "gb2312").encode("gbk"), "gbk.html") == page.replace("big5", "gb2312")
    utf8 = page.replace("big5", "gb2312")  # a page that says gb2312 but is valid UTF-8 is UTF-8
    assert decode(utf8.encode("utf-8"), "resaved.html") == utf8


def test_read_reports_missing_and_folders(tmp_path):
    with pytest.raises(DocumentError, match="cannot be read"):
        read(tmp_path / "missing.txt")
    with pytest.raises(DocumentError, match="is a folder"):
        read(tmp_path)


def test_html_keeps_text_and_drops_scripts_and_navigation():
    page = ("<html><head><title>闽宁协作</title><script>alert('x')</script></head>"
            "<body><nav>首页 | 新闻</nav><p>福建省与宁夏回族自治区结对。</p><footer>版权</footer></body></html>")
    text = html_to_text(page)
    assert text.splitlines()[0] == "闽宁协作"
    assert "福建省与宁夏回族自治区结对。" in text
    assert "alert" not in text and "首页" not in text and "版权" not in text


def test_an_article_keeps_its_web_address_when_it_is_one():
    from graph.documents import from_bytes, from_record, web_address

    record = {"text": "福州市与固原市结对帮扶。", "url": " https://www.nxnews.net/a/1.html "}
    assert from_record(record, "feed.jsonl#1").url == "https://www.nxnews.net/a/1.html"
    for bad in ("javascript:alert(1)", "http://%zz", "https://x.y/?q=[1]", "http://a b", "ftp://x/1", 5, None):
        assert from_record({**record, "url": bad}, "feed.jsonl#1").url is None and web_address(bad) is None, bad
    page = ('<html><head><meta property="og:url" content="http://www.sxdaily.com.cn/og.html">'
            '<link rel="alternate canonical" href="http://www.sxdaily.com.cn/c.html"></head><body><p>南京市与商洛市结对。</p></body></html>')
    assert from_bytes(page.encode(), "p.html").url == "http://www.sxdaily.com.cn/c.html"  # canonical before og:url
    hostile = page.replace("http://www.sxdaily.com.cn/c.html", "javascript:alert(1)").replace("http://www.sxdaily.com.cn/og.html", "data:,x")
    assert from_bytes(hostile.encode(), "p.html").url is None
    assert from_bytes("南京市与商洛市结对。".encode(), "p.txt").url is None
    relative = '<html><head>%s<link rel="canonical" href="/a/1.html"></head><body><p>南京市与商洛市结对。</p></body></html>'
    for head, url in (('<base href="https://www.sxdaily.com.cn/news/">', "https://www.sxdaily.com.cn/a/1.html"),
                      ('<meta property="og:url" content="http://m.sxdaily.com.cn/x.html">', "http://m.sxdaily.com.cn/a/1.html"),
                      ("", None), ('<base href="javascript:alert(1)">', None)):
        assert from_bytes((relative % head).encode(), "p.html").url == url, head
    assert from_bytes(b'<html><head><base href="https://www.sxdaily.com.cn/"></head><body>x</body></html>', "p.html").url is None


def test_html_article_block_and_header_line_are_kept_navigation_dropped():
    from graph.documents import html_to_text

    page = ("<html><head><title>东西部协作结对关系完成调整--时政--人民网</title></head><body>"
            "<div class='top'>人民网 | RSS | 客户端</div><div>首页</div><div>地方:山西辽宁吉林</div>"
            "<div class='meta'>2021年04月09日05:36 | 来源:人民网-人民日报</div><div>分享到:</div>"
            "<div class='article'><p>" + "调整后,江苏省结对陕西省、青海省,浙江省结对四川省。" * 5 + "</p></div>"
            "<div class='footer'>版权所有 相关专题</div></body></html>")
    doc = parse(html_to_text(page), "p.html")
    assert doc.title == "东西部协作结对关系完成调整"
    assert (doc.date, doc.source) == ("2021-04-09T05:36:00", "人民网-人民日报")
    text = " ".join(doc.clean[s:e] for s, e in doc.sentences)
    assert "江苏省结对陕西省" in text and "山西" not in text and "RSS" not in text and "版权" not in text


def test_header_led_by_the_papers_name():
    doc = parse("标题\n\n南通日报 2023年06月20日 第A02版:看南通  记者 陈佳宁\n\n  正文。\n", "n.txt")
    assert (doc.source, doc.date) == ("南通日报", "2023-06-20")


def test_header_fields_in_square_brackets():
    doc = parse("标题\n\n【来源】北疆新闻网 【发布时间】2021-11-05 16:32 【作者】记者其其格\n\n  正文。\n", "b.txt")
    assert (doc.source, doc.date, doc.reporters) == ("北疆新闻网", "2021-11-05T16:32:00", ("其其格",))


def test_the_sentence_and_paragraph_at_a_position_are_those_a_scan_finds():
    doc = parse(HEADER + "  苏州市援助资金3亿元。铜仁市接收!\n\n  两地结对。\n\n  \n  第三段,再说一句?好。", "s.txt")
    for pos in range(len(doc.clean) + 1):
        assert doc.sentence_at(pos) == next(((a, b) for a, b in doc.sentences if a <= pos < b), None), pos
        assert doc.paragraph_at(pos) == next(((a, b) for a, b in doc.paragraphs if a <= pos < b), None), pos
    assert len(doc.sentences) == 6 and len(doc.paragraphs) == 4  # the title is one of each


def test_a_text_without_sentence_ends_is_read_in_bounded_sentences_and_paragraphs():
    clause = "汉中市与南通市结对帮扶,"
    doc = parse(HEADER + "  " + clause * 2000 + "\n", "flat.txt")
    assert max(b - a for a, b in doc.sentences) <= MAX_SENTENCE
    assert max(b - a for a, b in doc.paragraphs) <= MAX_PARAGRAPH
    body = [(a, b) for a, b in doc.sentences if doc.clean[a:b].startswith("汉中市")]
    assert all(doc.clean[a:b].endswith(",") for a, b in body[:-1])  # cut after a clause, not inside a name
    assert "".join(doc.clean[a:b] for a, b in body) == clause * 2000  # nothing lost between the pieces
    for pos in range(0, len(doc.clean), 97):
        assert doc.sentence_at(pos) == next(((a, b) for a, b in doc.sentences if a <= pos < b), None), pos
        assert doc.paragraph_at(pos) == next(((a, b) for a, b in doc.paragraphs if a <= pos < b), None), pos


def cells(doc):
    return [[[doc.clean[a:b] for a, b in row] for row in table] for table in doc.tables]


def test_a_page_table_is_read_row_by_row_with_spanning_cells_repeated():
    page = ("<html><body><div class='article-content'><p>　　珠海市各区与我市各县结对，资金安排见下表。</p><table>"
            "<tr><th>序号</th><th>珠海市结对区</th><th>结对县</th><th>资金（万元）</th></tr>"
            "<tr><td>1</td><td rowspan='2'>香洲区</td><td>正安县</td><td>4800</td></tr>"
            "<tr><td>2</td><td>桐梓县</td><td>4,200</td></tr>"
            "<tr><td colspan='3'>合计</td><td><script>x('绥阳')</script>9000</td></tr></table></div></body></html>")
    doc = parse(html_to_text(page), "t.html")
    assert cells(doc) == [[["序号", "珠海市结对区", "结对县", "资金(万元)"], ["1", "香洲区", "正安县", "4800"],
                           ["2", "香洲区", "桐梓县", "4,200"], ["合计", "合计", "合计", "9000"]]]


def test_a_plain_text_table_keeps_its_empty_cells_and_prose_is_no_table():
    text = ("标题\n\n2022年结对资金表\n序号\t帮扶方\t受援方\t资金（万元）\n1\t五常街道\t白驿镇\t50\n合计\t\t\t50\n\n"
            "　　记者：乌兰　高志远\n　　本段是正文，  两个空格，  又两个。\n　　下一段，  也有，  空格。\n")
    doc = parse(text, "t.txt")
    assert cells(doc) == [[["序号", "帮扶方", "受援方", "资金(万元)"], ["1", "五常街道", "白驿镇", "50"],
                           ["合计", "", "", "50"]]]


def test_a_broadcast_script_names_its_station_above_a_long_header():
    doc = parse("锡林郭勒广播电视台　电视新闻稿\n\n栏目：《新闻》\n频道：综合频道\n时长：3分48秒\n播出时间：2024年3月6日　19:30\n"
                "审核：张宏伟\n记者：乌兰\n编辑：斯琴\n\n标题：京蒙协作结硕果\n\n【导语】\n主持人：去年协作成效明显。\n",
                "t.txt")
    assert (doc.source, doc.date, doc.title) == ("锡林郭勒广播电视台", "2024-03-06T19:30:00", "京蒙协作结硕果")
    assert doc.editors == ("斯琴",) and doc.reporters == ("乌兰",)
    assert [doc.clean[s:e] for s, e in doc.sentences][-1] == "主持人:去年协作成效明显。"


def test_a_post_gives_its_account_time_and_closing_credits():
    lines = ["日照市与我区携手并进", "两地紧紧连在一起" * 20]  # the footer starts after the article's first lines
    doc = parse("点击蓝字 关注我们\n\n鲁渝协作这组数据请收好\n\n黔江发布　2023-05-18 19:06　重庆\n\n" + "\n".join(lines) +
                "\n\n- END -\n\n来源：黔江区融媒体中心\n编辑：向正阳\n\n往期推荐\n👉黔江脆红李上市", "t.txt")
    assert (doc.title, doc.date, doc.source, doc.editors) == ("鲁渝协作这组数据请收好", "2023-05-18T19:06:00", "黔江发布", ("向正阳",))
    assert [doc.clean[s:e] for s, e in doc.sentences] == ["鲁渝协作这组数据请收好"] + lines
    assert parse("标题\n\n日照市与我区携手并进。\n\n来源：黔江区融媒体中心\n", "u.txt").source == "黔江区融媒体中心"


def test_a_posts_short_lines_read_as_the_clauses_of_one_sentence():
    doc = parse("标题\n\n东港区与黑溪镇\n五莲县与濯水镇\n结成帮扶对子\n\n第一段是一句话。\n第二段也是,\n"
                "序号\t帮扶方\t受援方\n1\t东港区\t黑溪镇\n", "t.txt")
    sentences = [doc.clean[s:e] for s, e in doc.sentences]
    assert "东港区与黑溪镇,五莲县与濯水镇,结成帮扶对子" in sentences
    assert "第一段是一句话。" in sentences and "第二段也是," in sentences  # a sentence's end keeps lines apart
    assert len(doc.tables) == 1 and len(doc.clean) == len(doc.text)


def test_a_notice_names_its_publisher_as_its_source():
    doc = parse("关于西吉县2022年闽宁协作项目的公示\n\n发布机构：西吉县乡村振兴局　　发布日期：2022-09-15　　浏览次数：386\n\n正文。", "t.txt")
    assert (doc.source, doc.date) == ("西吉县乡村振兴局", "2022-09-15")



def test_a_saved_copys_address_line_menus_and_doubled_punctuation():
    doc = parse("source: https://example.org/news/20141204/1.html\n\n当前位置:首页 > 资讯\n\n宁波帮扶晴隆纪实\n\n"
                "宁波市与晴隆县结对,,今年投入资金350万元。" + "双方开展互访考察交流,共同搞好对口帮扶工作。" * 8
                + "\n\n推荐阅读\n- 天津马志明说相声", "t.txt")
    assert doc.url == "https://example.org/news/20141204/1.html"
    assert doc.title == "宁波帮扶晴隆纪实"  # not the address, not the breadcrumb
    assert doc.year == 2014  # an undated copy: the year in its address
    assert "结对,今年" in doc.clean and ",," not in doc.clean
    aside = "".join(doc.clean[s:e] for s, e in doc.asides)
    assert "天津" in aside and "当前位置" in aside  # the page around the article: named places, no facts
    assert not any("天津" in doc.clean[s:e] for s, e in doc.sentences)


def test_an_undated_text_speaks_from_the_year_it_names():
    doc = parse("晴隆纪实\n\n18年后的2014年,宁波市继续帮扶晴隆县,今年协议帮扶资金350万元。", "t.txt")
    assert doc.date is None and doc.year == 2014
    doc = parse("江苏省——陕西省东西扶贫协作\n\n2010年,江苏省投入资金。2010年援建道路。2010年实施项目108个。", "t.txt")
    assert doc.year == 2010


def test_big5_plain_text_is_read_as_big5_and_its_places_found():
    from graph.documents import from_bytes
    from graph.extraction import extract

    text = "蘇陝協作\n\n江蘇省南京市與陝西省商洛市結對幫扶。2018年,南京市援助商洛市資金3億元。\n"
    data = text.encode("big5")
    assert decode(data, "tw.txt") == text  # not the GB18030 reading, which decodes too
    doc = from_bytes(data, "tw.txt")
    assert "江苏省南京市与陕西省商洛市结对帮扶" in doc.clean
    assert {"南京市", "商洛市", "江苏省", "陕西省"} <= {e.name for e in extract(doc).entities}
    simplified = "苏陕协作\n\n江苏省南京市与陕西省商洛市结对帮扶。\n"
    assert decode(simplified.encode("gb18030"), "gb.txt") == simplified  # and GB18030 stays GB18030
    page = "<html><head><title>蘇陝協作</title></head><body><p>江蘇省與陝西省結對幫扶。</p></body></html>"
    assert decode(page.encode("big5"), "tw.html") == page  # a page that declares no charset


def test_bytes_as_common_in_gb18030_as_in_big5_are_read_as_gb18030_with_a_one_line_warning(caplog):
    data = b"\xacF\xaea"  # 現產 in GB18030, 政家 in Big5: common characters either way
    with caplog.at_level("WARNING"):
        assert decode("江蘇省與陝西省結對".encode("big5"), "tw.txt") == "江蘇省與陝西省結對"
        assert caplog.messages == []
        assert decode(data, "both.txt") == "現產"
    assert caplog.messages == ["both.txt: cannot tell GB18030 from Big5 (as many common characters either way); "
                               "read as GB18030"]
