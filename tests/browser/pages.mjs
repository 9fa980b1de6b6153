// The pages in a real browser: Debian's Chromium, headless, driven by playwright-core
// (no browser of its own is downloaded). tests/tests/api/browser.rs seeds a workspace,
// runs this with the URLs below, and checks what it prints: one JSON object of what each
// page showed. Screenshots go to SCREENSHOTS (under target/, never committed).
//
// Environment: CHROMIUM, SCREENSHOTS, BASE_URL, EMBED_URL, REVOKED_EMBED_URL,
// WORKSPACE_URL, RECORDS_URL, RECORD_URL, SCRIPT_RECORD_URL, OTHER_RECORDS_URL.
import { chromium } from "playwright-core";

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};
const shots = env("SCREENSHOTS");
const out = {};

// The flags these machines need: no sandbox as root, and no background connections (the
// network is closed; without them Chromium's own requests fail many at a time).
const browser = await chromium.launch({
  executablePath: env("CHROMIUM"),
  headless: true,
  args: [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
});

const path = (url) => new URL(url).pathname;
const text = (page) => page.evaluate(() => document.body.innerText);

async function newPage(viewport = { width: 1280, height: 900 }) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  page.dialogs = 0;
  page.on("dialog", async (dialog) => {
    page.dialogs += 1;
    await dialog.dismiss();
  });
  return { context, page };
}

try {
  // The reference, with no session.
  {
    const { context, page } = await newPage();
    const response = await page.goto(`${env("BASE_URL")}/docs`);
    out.docs = {
      status: response.status(),
      title: await page.title(),
      text: (await text(page)).slice(0, 2000),
      endpoints: await page.locator("details.op").count(),
      scripts: await page.evaluate(() => document.scripts.length),
      csp: response.headers()["content-security-policy"] ?? null,
      encoding: response.headers()["content-encoding"] ?? null,
      bytes: (await response.body()).length,
    };
    await page.screenshot({ path: `${shots}/docs.png` });
    await context.close();
  }

  // A workspace page without a session, a revoked token and a forged cookie: each lands
  // on the access page.
  {
    const { context, page } = await newPage();
    await page.goto(env("WORKSPACE_URL"));
    out.no_session = { path: path(page.url()), text: await text(page) };
    await page.screenshot({ path: `${shots}/no-session.png` });
    await page.goto(env("REVOKED_EMBED_URL"));
    out.revoked = { path: path(page.url()), cookies: (await context.cookies()).length };
    await context.addCookies([
      { name: "workspace_session", value: "eyJvcmciOjF9.Zm9yZ2Vk", url: env("BASE_URL") },
    ]);
    await page.goto(env("WORKSPACE_URL"));
    out.forged = { path: path(page.url()), text: await text(page) };
    await context.close();
  }

  // Signed in by the embed URL.
  const { context, page } = await newPage();
  const opened = await page.goto(env("EMBED_URL"));
  const cookie = (await context.cookies()).find((c) => c.name === "workspace_session");
  out.embed = {
    path: path(page.url()),
    text: await text(page),
    csp: opened.headers()["content-security-policy"] ?? null,
    cookie: cookie ? { httpOnly: cookie.httpOnly, sameSite: cookie.sameSite, expires: cookie.expires } : null,
  };
  await page.screenshot({ path: `${shots}/tables.png` });

  // A table's records, page by page through the cursor.
  {
    const response = await page.goto(env("RECORDS_URL"));
    out.records_first = {
      status: response.status(),
      bytes: (await response.body()).length,
      text: (await text(page)).slice(0, 3000),
    };
    await page.screenshot({ path: `${shots}/records.png` });
    const seen = [];
    let pages = 0;
    for (;;) {
      pages += 1;
      const rows = await page.locator("tbody tr td:first-child a").allInnerTexts();
      seen.push(...rows);
      const next = page.locator('a[rel="next"]');
      if ((await next.count()) === 0 || pages > 100) break;
      await Promise.all([page.waitForNavigation(), next.click()]);
    }
    out.paging = { pages, rows: seen.length, unique: new Set(seen).size, first: seen[0], last: seen.at(-1) };
  }

  // The filter and the order, through the form.
  {
    await page.goto(env("RECORDS_URL"));
    await page.selectOption('select[name="attribute"]', "stage");
    await page.fill('input[name="value"]', "Won");
    await page.selectOption('select[name="sort"]', "employees");
    await page.selectOption('select[name="direction"]', "desc");
    await Promise.all([page.waitForNavigation(), page.click('button:has-text("Apply")')]);
    const seen = [];
    for (let pages = 0; pages < 100; pages += 1) {
      const rows = await page.locator("tbody tr").evaluateAll((trs) =>
        trs.map((tr) => Array.from(tr.querySelectorAll("td")).map((td) => td.innerText.trim())),
      );
      seen.push(...rows);
      const next = page.locator('a[rel="next"]');
      if ((await next.count()) === 0) break;
      await Promise.all([page.waitForNavigation(), next.click()]);
    }
    const headers = await page.locator("thead th").allInnerTexts();
    out.filtered = { headers, rows: seen };
  }

  // A record by its web_url, then a reference followed.
  {
    const response = await page.goto(env("RECORD_URL"));
    out.record = { status: response.status(), path: path(page.url()), text: await text(page) };
    await page.screenshot({ path: `${shots}/record.png`, fullPage: true });
    const reference = page.locator("dd a").first();
    await Promise.all([page.waitForNavigation(), reference.click()]);
    out.followed = { path: path(page.url()), text: await text(page) };
  }

  // A value that is a script stays text.
  {
    await page.goto(env("SCRIPT_RECORD_URL"));
    out.script = {
      text: await text(page),
      scripts: await page.evaluate(() => document.scripts.length),
      dialogs: page.dialogs,
    };
  }

  // Another organization's workspace in the URL: not found, nothing of it shown.
  {
    const response = await page.goto(env("OTHER_RECORDS_URL"));
    out.other = { status: response.status(), text: await text(page) };
  }

  // On a phone: the record page and a records page fit the screen's width.
  {
    const phone = await context.newPage();
    await phone.setViewportSize({ width: 390, height: 844 });
    await phone.goto(env("RECORD_URL"));
    const fits = () => phone.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1);
    out.phone = { record_fits: await fits() };
    await phone.screenshot({ path: `${shots}/record-phone.png`, fullPage: true });
    await phone.goto(env("RECORDS_URL"));
    out.phone.records_fit = await fits();
    await phone.screenshot({ path: `${shots}/records-phone.png` });
    await phone.close();
  }

  // Signing out: the form (with its token) ends the session.
  {
    await page.goto(env("WORKSPACE_URL"));
    await Promise.all([page.waitForNavigation(), page.click('button:has-text("Sign out")')]);
    const after = path(page.url());
    const cookies = (await context.cookies()).filter((c) => c.name === "workspace_session");
    await page.goto(env("WORKSPACE_URL"));
    out.signed_out = { path: after, cookies: cookies.length, then: path(page.url()) };
  }
  await context.close();
} finally {
  await browser.close();
}
console.log(JSON.stringify(out));
