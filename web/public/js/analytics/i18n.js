// Strings of the analytics views (zh-CN default, English), sharing the app's language choice.
const DICT = {
  zh: {
    title: "网格分析", police: "警务热力", street: "街道考核", planner: "服务规划", back: "返回工作台",
    username: "用户名", password: "密码", log_in: "登录", from: "起", to: "止", hours: "时段",
    weekdays: "星期(0=周一)", kind: "类型", category: "类别", any: "全部", hotspots: "冷热点",
    compare: "同比", by: "统计单位", measure: "指标", mode: "距离", siting: "选址", apply: "查询",
    cell: "网格", leader: "网格长", community: "社区", straight: "直线", walking: "步行",
    records: "条记录", total: "合计", resolution: "H3 级别", hot: "热点", cold: "冷点",
    rise: "上升", fall: "下降", confidence: "置信度", loading: "加载中…", none: "无记录",
    covered: "已覆盖", uncovered: "未覆盖", households: "户", over_capacity: "超负荷",
    centres: "服务中心", uncovered_buildings: "未覆盖楼栋", gain: "新增覆盖", share: "覆盖率",
    sites: "建议新址", reference: "色阶参照期",
  },
  en: {
    title: "Grid analytics", police: "Police heat", street: "Street office", planner: "Planner",
    back: "Back to app", username: "Username", password: "Password", log_in: "Log in", from: "From",
    to: "To", hours: "Hours", weekdays: "Weekdays (0=Mon)", kind: "Kind", category: "Category",
    any: "Any", hotspots: "Hot/cold spots", compare: "vs last year", by: "Group by", measure: "Measure",
    mode: "Distance", siting: "Site", apply: "Apply", cell: "Cell", leader: "Leader",
    community: "Community", straight: "Straight line", walking: "Walking", records: "records",
    total: "Total", resolution: "H3 resolution", hot: "Hot spot", cold: "Cold spot", rise: "Rise",
    fall: "Fall", confidence: "Confidence", loading: "Loading…", none: "No records",
    covered: "Covered", uncovered: "Uncovered", households: "households", over_capacity: "Over capacity",
    centres: "Service centres", uncovered_buildings: "Uncovered buildings", gain: "Newly covered",
    share: "Share covered", sites: "Suggested sites", reference: "Colour reference",
  },
};
const KEY = "wangge.lang";
export const lang = () => (localStorage.getItem(KEY) === "en" ? "en" : "zh");
export const t = (k) => DICT[lang()][k] ?? DICT.zh[k] ?? k;
export function toggleLang() { localStorage.setItem(KEY, lang() === "en" ? "zh" : "en"); }
export function applyDom() {
  document.documentElement.lang = lang() === "en" ? "en" : "zh-CN";
  document.querySelectorAll("[data-t]").forEach((el) => { el.textContent = t(el.dataset.t); });
  document.querySelectorAll("[data-tp]").forEach((el) => { el.placeholder = t(el.dataset.tp); });
  document.getElementById("a-lang").textContent = lang() === "en" ? "中文" : "EN";
}
/** A {zh, en} term's label in the current language. */
export const term = (x) => (x ? (lang() === "en" ? x.en : x.zh) || x.code : "");
