/**
 * The readable API docs: one self-contained HTML page (no CDN, no framework, ~5 KB) that fetches
 * ./openapi.json and renders it: operations by tag, who may call them, parameters, request
 * body, success answers and problem codes, schemas expanded on demand. Vietnamese first, English
 * switchable. Everything is inserted as text (never innerHTML of document content).
 */
export const DOCS_PAGE = `<!doctype html>
<html lang="vi">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>sothutu API</title>
<style>
body{font:15px/1.5 system-ui,sans-serif;margin:0;color:#1a1a1a;background:#fafafa}
header{background:#8b0000;color:#fff;padding:12px 20px;display:flex;gap:16px;align-items:center;flex-wrap:wrap}
header h1{font-size:20px;margin:0;flex:1}
header button{font:inherit;padding:4px 10px}
main{max-width:1100px;margin:0 auto;padding:12px 20px}
nav a{margin-right:12px}
section.tag>h2{border-bottom:2px solid #8b0000;padding-bottom:4px}
details.op{background:#fff;border:1px solid #ddd;border-radius:6px;margin:8px 0}
details.op>summary{cursor:pointer;padding:8px 12px;display:flex;gap:10px;align-items:baseline;flex-wrap:wrap}
.m{font:bold 13px monospace;padding:2px 6px;border-radius:4px;color:#fff;min-width:56px;text-align:center}
.get{background:#1f6feb}.post{background:#1a7f37}.patch{background:#9a6700}.put{background:#8250df}.delete{background:#cf222e}
code,.path{font-family:ui-monospace,monospace}
.body{padding:4px 14px 12px}
table{border-collapse:collapse;width:100%;margin:6px 0}
td,th{border:1px solid #ddd;padding:4px 6px;text-align:left;vertical-align:top;font-size:14px}
pre{background:#f3f3f3;padding:8px;overflow:auto;font-size:13px;max-height:420px}
.muted{color:#555}
#intro{white-space:pre-wrap}
</style>
</head>
<body>
<header><h1>sothutu — API <span id="ver"></span></h1>
<a href="./openapi.json" style="color:#fff">openapi.json</a>
<button id="lang" type="button">English</button></header>
<main><p id="status">Đang tải…</p><nav id="nav"></nav><div id="intro" class="muted"></div><div id="ops"></div></main>
<script>
(function(){
var lang = /^en/.test(navigator.language||"") && location.search.indexOf("lang=vi")<0 ? "en" : "vi";
if (location.search.indexOf("lang=en")>=0) lang = "en";
var doc = null;
function el(tag, attrs, kids){var e=document.createElement(tag);for(var k in attrs||{}){if(k==="text")e.textContent=attrs[k];else e.setAttribute(k,attrs[k]);}(kids||[]).forEach(function(c){if(c)e.appendChild(typeof c==="string"?document.createTextNode(c):c);});return e;}
function t(vi,en){return lang==="vi"?vi:en;}
function resolve(s){var seen=0;while(s&&s.$ref&&seen++<20){s=doc.components.schemas[s.$ref.split("/").pop()];}return s;}
function expand(s,depth){
  if(depth>6||!s||typeof s!=="object")return s;
  if(Array.isArray(s))return s.map(function(x){return expand(x,depth+1);});
  if(s.$ref){var name=s.$ref.split("/").pop();var r=expand(resolve(s),depth+1);return depth>4?{$ref:name}:r;}
  var o={};for(var k in s)o[k]=expand(s[k],depth+1);return o;
}
function schemaBlock(s){return el("pre",{text:JSON.stringify(expand(s,0),null,2)});}
function op(path, method, o){
  var d=el("details",{class:"op",id:o.operationId});
  d.appendChild(el("summary",{},[el("span",{class:"m "+method,text:method.toUpperCase()}),el("span",{class:"path",text:path}),el("span",{text:lang==="vi"?(o["x-summary-vi"]||o.summary):o.summary})]));
  var b=el("div",{class:"body"});
  var sec=(o.security||[]).map(function(r){var k=Object.keys(r);return k.length?k.join("+"):t("công khai","public");});
  b.appendChild(el("p",{},[el("strong",{text:t("Xác thực: ","Auth: ")}),sec.join(t(" hoặc "," or ")||"")]));
  if(o["x-staff-roles"])b.appendChild(el("p",{},[el("strong",{text:t("Vai trò: ","Roles: ")}),o["x-staff-roles"].join(", ")]));
  if(o["x-idempotency"])b.appendChild(el("p",{},[el("strong",{text:"Idempotency-Key: "}),o["x-idempotency"]]));
  if(o.description)b.appendChild(el("p",{class:"muted",text:o.description.replace(/\\*\\*/g,"")}));
  if(o.parameters&&o.parameters.length){
    var tb=el("table",{},[el("tr",{},[el("th",{text:t("Tham số","Parameter")}),el("th",{text:t("Vị trí","In")}),el("th",{text:t("Bắt buộc","Required")}),el("th",{text:"Schema"})])]);
    o.parameters.forEach(function(p){tb.appendChild(el("tr",{},[el("td",{},[el("code",{text:p.name})]),el("td",{text:p.in}),el("td",{text:p.required?"✓":""}),el("td",{},[el("code",{text:JSON.stringify(p.schema)}),p.description?el("div",{class:"muted",text:p.description}):null])]));});
    b.appendChild(tb);
  }
  if(o.requestBody){var c=o.requestBody.content["application/json"];b.appendChild(el("h4",{text:t("Nội dung gửi (JSON)","Request body (JSON)")}));b.appendChild(schemaBlock(c.schema));
    if(c.examples)for(var ex in c.examples){b.appendChild(el("div",{class:"muted",text:t("Ví dụ: ","Example: ")+c.examples[ex].summary}));b.appendChild(el("pre",{text:JSON.stringify(c.examples[ex].value,null,2)}));}}
  var rt=el("table",{},[el("tr",{},[el("th",{text:"Status"}),el("th",{text:t("Mô tả","Description")})])]);
  var schemas=[];
  Object.keys(o.responses).forEach(function(st){var r=o.responses[st];rt.appendChild(el("tr",{},[el("td",{text:st}),el("td",{text:r.description})]));
    var c=r.content&&r.content["application/json"];if(c&&c.schema&&Number(st)<300)schemas.push([st,c.schema]);});
  b.appendChild(el("h4",{text:t("Trả lời","Responses")}));b.appendChild(rt);
  schemas.forEach(function(p){b.appendChild(el("div",{class:"muted",text:p[0]}));b.appendChild(schemaBlock(p[1]));});
  d.appendChild(b);return d;
}
function render(){
  document.documentElement.lang=lang;
  document.getElementById("lang").textContent=lang==="vi"?"English":"Tiếng Việt";
  var ops=document.getElementById("ops"),nav=document.getElementById("nav");ops.textContent="";nav.textContent="";
  document.getElementById("ver").textContent=doc.info.version;
  document.getElementById("intro").textContent=doc.info.description;
  var byTag={};
  Object.keys(doc.paths).forEach(function(p){Object.keys(doc.paths[p]).forEach(function(m){var o=doc.paths[p][m];var tag=(o.tags||["other"])[0];(byTag[tag]=byTag[tag]||[]).push(op(p,m,o));});});
  (doc.tags||[]).map(function(x){return x.name;}).concat(Object.keys(byTag)).filter(function(x,i,a){return a.indexOf(x)===i&&byTag[x];}).forEach(function(tag){
    var id="tag-"+tag.replace(/\\W+/g,"-");nav.appendChild(el("a",{href:"#"+id,text:tag}));
    var s=el("section",{class:"tag",id:id},[el("h2",{text:tag})]);byTag[tag].forEach(function(d){s.appendChild(d);});ops.appendChild(s);
  });
  document.getElementById("status").textContent="";
}
document.getElementById("lang").onclick=function(){lang=lang==="vi"?"en":"vi";render();};
fetch("./openapi.json").then(function(r){return r.json();}).then(function(j){doc=j;render();}).catch(function(){document.getElementById("status").textContent=t("Không tải được tài liệu.","Could not load the document.");});
})();
</script>
</body>
</html>
`;
