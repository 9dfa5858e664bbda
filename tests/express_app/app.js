// An Express app as Clerk's docs write one, for tests/cli/test_express.py: clerkMiddleware() reads
// CLERK_SECRET_KEY, CLERK_PUBLISHABLE_KEY and CLERK_API_URL (locum) from the environment, and
// GET /whoami answers what getAuth(req) sees.
const express = require("express");
const { clerkMiddleware, getAuth } = require("@clerk/express");

const app = express();
app.use(clerkMiddleware());

app.get("/whoami", (req, res) => {
  const auth = getAuth(req);
  res.json({ userId: auth.userId, sessionId: auth.sessionId, orgId: auth.orgId ?? null });
});

const server = app.listen(Number(process.env.PORT), "127.0.0.1", () => {
  console.log(`listening on ${server.address().port}`);
});
