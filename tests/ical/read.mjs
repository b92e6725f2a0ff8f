// Reads an iCalendar file on stdin with Mozilla's ical.js (as Thunderbird and Nextcloud do) and
// prints each event's UID and start as a UTC instant: [{"uid": "…", "start": "2026-12-08T17:00:00Z"}].
import ICAL from "ical.js";

let text = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => { text += chunk; });
process.stdin.on("end", () => {
  const calendar = new ICAL.Component(ICAL.parse(text));
  for (const zone of calendar.getAllSubcomponents("vtimezone")) ICAL.TimezoneService.register(zone);
  const found = calendar.getAllSubcomponents("vevent").map((component) => {
    const event = new ICAL.Event(component);
    return { uid: event.uid, start: new Date(event.startDate.toUnixTime() * 1000).toISOString().replace(".000Z", "Z") };
  });
  process.stdout.write(JSON.stringify(found));
});
