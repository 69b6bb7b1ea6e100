"""A small Chinese-language schedule (store.language: zh) for the tests that need one."""

from __future__ import annotations

import re

ZH_SCHEDULE = """\
store:
  name: 枫林家居
  currency: CNY
  language: zh
products:
  - id: kettle
    name: 玻璃电水壶
    price: 199
    description: 高硼硅玻璃壶身，看得见的沸腾。
    sale:
      price: 149
      ends: 2026-11-29 20:00
    features:
      - 四分钟烧开一升水
      - 加热时亮起柔和的蓝光
      - 防干烧自动断电。
    faq:
      - question: 壶盖可以拆下来吗？
        answer: 可以，拆下来清洗很方便。
    call_to_action: 点击购物车，今天下单明天发货
  - id: mug
    name: 手工陶瓷杯
    price: 39
    features: [手工上釉, 容量三百五十毫升, 超级耐用！]
    faq:
      - question: 可以进微波炉吗
        answer: 可以
slots:
  - name: 上午
    days: daily
    start: "00:00"
    end: "12:00"
    products: [kettle, mug]
    per_product: 5m
  - name: 下午
    days: daily
    start: "12:00"
    end: "00:00"
    products: [kettle, mug]
    per_product: 5m
fallback:
  message: 马上回来
"""
HAN = re.compile(r"[\u4e00-\u9fff]")
