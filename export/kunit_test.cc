#include "export/kunit.h"

#include <gtest/gtest.h>

#include "model/core/codec.h"

namespace inflight {
namespace {

Scenario parse(std::string_view text) {
  TextError error;
  const std::optional<Scenario> s = decode_text(text, &error);
  EXPECT_TRUE(s.has_value()) << error.message;
  return s.value_or(Scenario{});
}

size_t count(const std::string& text, std::string_view what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) n++;
  return n;
}

TEST(Kunit, EveryAppliedStepIsCheckedAndSkippedStepsAreNot) {
  const KunitCase c = export_kunit_case(parse("topology cpus=2\n"
                                              "driver_open\n"
                                              "napi_poll queue=0 action=pass\n"
                                              "driver_open\n"  // skipped: already open
                                              "skb_free cpu=1 skb=0 ctx=softirq\n"
                                              "driver_stop\n"),
                                        "t", "t.trace");
  ASSERT_EQ(c.refusal, "");
  EXPECT_EQ(c.steps, 5);  // four applied events and the end
  EXPECT_EQ(count(c.code, "t->step = "), 5u);
  EXPECT_EQ(count(c.code, "skipped in the model"), 1u);
  EXPECT_NE(c.code.find("ifl_poll(t, 0, IFL_PASS);"), std::string::npos);
  EXPECT_NE(c.code.find("ifl_skb_free(t, 0, true);"), std::string::npos);
  // The pool is compared after each applied step while the model has it: open, poll, free.
  EXPECT_EQ(count(c.code, "ifl_expect_pool(t, 0, "), 3u);
  // The stop frees it: nothing was outside when the driver destroyed it.
  EXPECT_NE(c.code.find("t->q[0].outside_at_destroy, 0);"), std::string::npos);
}

TEST(Kunit, ARecycledPageMustComeBackFirst) {
  const KunitCase c = export_kunit_case(parse("topology cpus=1\n"
                                              "driver_open\n"
                                              "napi_poll queue=0 action=drop\n"
                                              "napi_poll queue=0 action=drop\n"),
                                        "t", "t.trace");
  ASSERT_EQ(c.refusal, "");
  EXPECT_EQ(count(c.code, "t->page[0] = t->last;"), 1u);
  EXPECT_EQ(count(c.code, "KUNIT_EXPECT_PTR_EQ_MSG(test, t->last, t->page[0]"), 1u);
}

TEST(Kunit, WhatTheKernelTestCannotDoIsRefusedWithTheReason) {
  EXPECT_NE(export_kunit_case(parse("topology cpus=1\nnm_txsync fill=1\n"), "t", "t")
                .refusal.find("nm_txsync is not exported"),
            std::string::npos);
  EXPECT_NE(
      export_kunit_case(parse("topology cpus=1\ndriver_open\ndevice_unbind dev=0\n"), "t", "t")
          .refusal.find("no device to unbind"),
      std::string::npos);
}

TEST(Kunit, ARefillFromTheRingIsRefusedForTheBulkDifference) {
  // Four pages out to the stack (the model's bulk), back through the ring; the fifth
  // allocation refills the model's empty cache from the ring, where the kernel's cache
  // still holds pages from its bulk of 64.
  std::string text = "topology cpus=1\ndriver_open\n";
  for (int i = 0; i < 4; i++) text += "napi_poll queue=0 action=pass\n";
  for (int i = 0; i < 4; i++)
    text += "skb_free cpu=0 skb=0 ctx=process\npp_producer_unlock pick=0\n";
  text += "napi_poll queue=0 action=drop\n";
  const KunitCase c = export_kunit_case(parse(text), "t", "t");
  EXPECT_NE(c.refusal.find("refills from its ring"), std::string::npos) << c.refusal;
}

TEST(Kunit, TheFileIsDeterministicAndListsOnlyExportedCases) {
  const Scenario s = parse("topology cpus=1\ndriver_open\nnapi_poll queue=0 action=cache\n");
  const KunitCase a = export_kunit_case(s, "a", "a.trace");
  const KunitCase refused =
      export_kunit_case(parse("topology cpus=1\nnm_txsync fill=1\n"), "b", "b");
  const std::string file = kunit_file(std::vector<KunitCase>{a, refused});
  EXPECT_EQ(file,
            kunit_file(std::vector<KunitCase>{export_kunit_case(s, "a", "a.trace"), refused}));
  EXPECT_EQ(file.rfind("// SPDX-License-Identifier: GPL-2.0\n", 0), 0u);
  EXPECT_EQ(count(file, "KUNIT_CASE(inflight_"), 1u);
  EXPECT_NE(file.find("MODULE_LICENSE(\"GPL\")"), std::string::npos);
}

TEST(Kunit, NamesAreCIdentifiers) {
  EXPECT_EQ(kunit_identifier("R11-Driver.destroy"), "r11_driver_destroy");
  EXPECT_EQ(kunit_identifier("5abc"), "s5abc");
}

}  // namespace
}  // namespace inflight
