/**
 * make-sample-data.mjs - builds the binary documents of the sample knowledge base.
 *
 * The sample knowledge base in data/ is the internal handbook of Kestrel Peak
 * Software, Inc., a fictional 240-person company in Portland, Oregon that makes
 * "Ridgeline", a hosted uptime-monitoring product. Everything in it was written
 * for this project; names, addresses and figures are invented. It is what the
 * demo indexes, and test/fixtures/questions.json holds 12 questions it answers.
 *
 * The set has 21 documents in five folders, in every format the indexer reads:
 *   data/hr/           handbook overview, notice periods, PTO, parental leave (.html),
 *                      remote work, performance reviews, onboarding checklist (.txt)
 *   data/engineering/  deployment, code review, on-call rotation, architecture,
 *                      incident severity levels (.html), local dev setup (.txt)
 *   data/security/     data retention schedule, information security policy (.pdf)
 *   data/finance/      purchasing and approvals, payroll and benefits FAQ (.html),
 *                      travel and expenses policy (.docx)
 *   data/it/           laptop and equipment policy, helpdesk FAQ (.html),
 *                      software installation policy (.txt)
 * Facts are kept consistent across documents (e.g. notice period 30 days / 7 days
 * on probation, 25 PTO days, laptops replaced every 3 years, passwords of at
 * least 14 characters), so each question has one right answer.
 *
 * The Markdown, HTML and text files are written by hand and committed as they are.
 * This script writes the two binary files from the text defined below:
 *   data/security/information-security-policy.pdf  6 pages, one topic per page,
 *                                                   with explicit page breaks (pdfkit), wrapped lines,
 *                                                   a hyphenated paragraph, a repeated header and footer
 *   data/finance/travel-and-expenses-policy.docx    Heading 1 / Heading 2 structure (docx)
 * The generated files are committed too; re-run the script after editing the text:
 *   node scripts/make-sample-data.mjs
 * (Plain ESM JavaScript, because Node 20 cannot run TypeScript directly.)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import PDFDocument from 'pdfkit';
import { AlignmentType, Document, HeadingLevel, LevelFormat, Packer, Paragraph, TextRun } from 'docx';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const PDF_PATH = join(root, 'data', 'security', 'information-security-policy.pdf');
const DOCX_PATH = join(root, 'data', 'finance', 'travel-and-expenses-policy.docx');

/* ------------------------------------------------------------------------ */
/* Information Security Policy (PDF): one page per section.                 */
/* A block is a paragraph string, { list: [...] } or { lines: [...] } (set as given). */
/* ------------------------------------------------------------------------ */

const POLICY_TITLE = 'Information Security Policy';

const SECURITY_PAGES = [
  {
    heading: '1. Purpose, scope and responsibilities',
    blocks: [
      'This policy sets the rules that protect the information of Kestrel Peak Software, Inc. ("Kestrel Peak") and of our customers.',
      'The policy applies to all employees, contractors and interns, to every company-managed device, and to every system that stores or processes company or customer data, including third-party services. It is approved by the CEO and reviewed at least once a year by the Chief Information Security Officer (CISO). Version 4.2, effective February 1, 2025.',
      'Responsibilities:',
      {
        list: [
          'The CISO, Priya Raman, owns this policy, approves exceptions and leads the response to security incidents.',
          'The Security team runs security monitoring, vendor security reviews, access reviews and the security awareness program.',
          'IT manages laptops, accounts and the identity provider (Okta).',
          'Managers make sure their teams know and follow this policy and approve access requests for their teams.',
          'Every person covered by this policy protects the information they handle and reports suspected incidents immediately.',
        ],
      },
      'Security training: every new employee and contractor must complete the security awareness training within 14 days of their start date, and everyone repeats it once a year. Completion records are kept for 3 years.',
      'Breaking this policy may lead to disciplinary action, up to and including termination of employment or contract, as described on page 6.',
    ],
  },
  {
    heading: '2. Passwords and multi-factor authentication',
    blocks: [
      'Passwords are the first line of defence for our accounts. The following rules apply to every password used for company systems.',
      {
        list: [
          'Passwords must be at least 14 characters long. Long passphrases of four or more random words are encouraged.',
          'Every password must be unique. Never reuse a company password on any other system, company or personal.',
          'Store passwords in 1Password, the company password manager. Do not keep passwords in browsers, documents, notes or chat messages.',
          'Do not share passwords with anyone, including IT and Security staff.',
          'We do not force periodic password changes. Change a password immediately if you suspect it has been exposed, and report it to Security.',
        ],
      },
      'Multi-factor authentication (MFA) is mandatory for every company system. Sign-in goes through Okta single sign-on wherever the system supports it; systems that do not support Okta must have their own MFA turned on.',
      {
        list: [
          'The required second factor is a YubiKey security key. Every employee receives two YubiKeys: one for daily use and one backup kept in a safe place.',
          'Okta Verify with biometric confirmation (Face ID or fingerprint) is accepted as a backup factor on a phone enrolled in mobile device management.',
          'SMS codes and voice calls are not permitted as a second factor, because they can be intercepted or redirected.',
          'Okta sessions expire after 12 hours, and after 2 hours of inactivity for administrative consoles.',
        ],
      },
    ],
  },
  {
    heading: '3. Access control',
    blocks: [
      'Access to systems and data follows the principle of least privilege: people receive only the access they need for their current role, for as long as they need it.',
      {
        list: [
          'Access is requested in the IT help portal and approved by the requester\'s manager and the owner of the system. Approvals are recorded in the ticket.',
          'Access is granted to named individual accounts only. Shared accounts are not allowed except for documented service accounts, whose credentials are kept in 1Password.',
        ],
      },
      'Production access. No engineer has standing access to production systems or production databases. Engineers request just-in-time access through Teleport, stating the reason, such as an incident or ticket number. Access is approved by a second engineer and expires automatically after at most 4 hours. All production sessions are recorded.',
      'Access reviews. System owners review who has access to their systems every quarter. The Security team opens the review tickets in the first week of each quarter, and owners must complete them within 10 business days. Access that is no longer needed is removed within 2 business days of the review.',
      'Leavers. All access of a departing employee or contractor is revoked on their last working day, no later than 4 hours after the end of employment. For involuntary departures, access is revoked at the time the person is told.',
      'Security audit logs of Okta, AWS, Teleport and GitHub are kept for 1 year.',
      // Set line by line, as a typesetter that hyphenates would: the loader must rejoin "authen-tication"
      // and keep "well-known", which this document also writes mid-line below.
      {
        lines: [
          'Service accounts. Every service account has a named owner and uses strong authen-',
          'tication: a key of at least 32 random characters, rotated every 90 days. Well-',
          'known default passwords of vendor appliances are changed before the appliance is',
          'connected to the company network.',
        ],
      },
      'Default credentials are well-known to attackers, which is why the rule above has no exceptions.',
    ],
  },
  {
    heading: '4. Data classification and handling',
    blocks: [
      'All information at Kestrel Peak belongs to one of four classes. If you are unsure which class applies, treat the information as the higher class and ask the Security team.',
      {
        list: [
          'Public: information approved for publication, such as the website, published documentation and the changelog.',
          'Internal: information for employees and contractors that would cause little harm if disclosed, such as the org chart, this handbook and most Slack conversations.',
          'Confidential: information that could harm Kestrel Peak if disclosed, such as source code, financial results, roadmaps, contracts and security reports.',
          'Restricted: customer data, personal data of employees or candidates, credentials and encryption keys. Disclosure could harm customers or individuals and may have to be reported to regulators.',
        ],
      },
      'Handling rules for Restricted data:',
      {
        list: [
          'Store it only in approved systems that have passed a vendor security review. Never copy it to a laptop, removable media, personal accounts or unapproved AI tools.',
          'Restricted data is encrypted at rest with AES-256 and in transit with TLS 1.2 or later.',
          'Do not print Restricted documents, and do not send Restricted data by email outside the company.',
          'Production customer data must never be copied to staging or development environments; use synthetic data instead.',
        ],
      },
      'Retention. Data is kept and deleted as set out in the Data Retention Schedule. Deleted customer data is removed from backups within 35 days.',
    ],
  },
  {
    heading: '5. Reporting security incidents and phishing',
    blocks: [
      'A security incident is any event that could compromise the confidentiality, integrity or availability of company or customer information. Examples: a lost laptop, a password typed into a phishing page, malware, data sent to the wrong person, or an unexpected MFA prompt.',
      'Report suspected security incidents immediately, in the #security-incidents Slack channel or by email to security@kestrelpeak.example. If you are unsure whether something is an incident, report it anyway.',
      {
        list: [
          'Lost or stolen devices and security keys must be reported no later than 24 hours after you notice the loss.',
          'The Security team triages every report within 1 hour during business hours. Outside business hours, #security-incidents pages the security on-call engineer.',
          'A confirmed security incident that affects customer data is handled as a SEV1 incident under the Incident Severity Levels and involves the CISO.',
          'Do not investigate on your own, contact a suspected attacker, or delete evidence such as emails or files.',
        ],
      },
      'Phishing. Use the "Report Phish" button in Gmail to report suspicious emails; this sends the email to the Security team and removes it from your inbox. If you clicked a link or entered your password, also report it in #security-incidents straight away and change your Okta password.',
      'The Security team sends simulated phishing emails every month. Clicking a simulated phishing email is not a disciplinary matter; you will be asked to complete a short refresher module within 7 days.',
    ],
  },
  {
    heading: '6. Devices, acceptable use and enforcement',
    blocks: [
      'Company work is done on company-managed devices. Laptops are managed by IT with Jamf Pro (Macs) or Ansible and osquery (Linux), as described in the Laptop and Equipment Policy, and must meet these requirements:',
      {
        list: [
          'Full-disk encryption is turned on.',
          'The screen locks automatically after 5 minutes of inactivity. Lock the screen manually whenever you leave the device.',
          'Operating-system security updates are installed within 14 days of release.',
          'The CrowdStrike Falcon endpoint protection agent is running and is not disabled.',
          'Software is installed only as allowed by the Software Installation Policy.',
        ],
      },
      'Personal devices. Personal phones may be used for Slack, Google Workspace and Okta Verify when enrolled in mobile device management. Personal computers must never be used for company work or to access Restricted data.',
      'Acceptable use. Company systems are provided for business purposes; limited personal use is allowed if it does not interfere with work or break the law. Kestrel Peak may monitor company systems and devices for security purposes, in line with applicable law.',
      'Exceptions. Exceptions to this policy are requested from the Security team through the help portal, with a business reason and compensating controls. The CISO approves or rejects each request. Exceptions are granted for at most 6 months and must then be renewed or closed.',
      'Enforcement. Violations of this policy may lead to removal of access and to disciplinary action, up to and including termination of employment or contract.',
    ],
  },
];

function writePdf(path) {
  return new Promise((resolvePromise, reject) => {
    const doc = new PDFDocument({
      size: 'LETTER',
      margins: { top: 72, bottom: 72, left: 72, right: 72 },
      bufferPages: true,
      autoFirstPage: false,
      info: {
        Title: `Kestrel Peak Software - ${POLICY_TITLE}`,
        Author: 'Kestrel Peak Security Team',
        Subject: 'Passwords, MFA, access control, data classification, incident reporting and device rules',
        CreationDate: new Date('2025-02-01T00:00:00Z'),
        ModDate: new Date('2025-02-01T00:00:00Z'),
      },
    });
    const chunks = [];
    doc.on('data', (c) => chunks.push(c));
    doc.on('error', reject);
    doc.on('end', () => {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, Buffer.concat(chunks));
      resolvePromise();
    });

    const width = 612 - 72 * 2;
    SECURITY_PAGES.forEach((page, i) => {
      // Explicit page break: every section starts on its own page.
      doc.addPage();
      doc.font('Helvetica').fontSize(9).fillColor('#555555')
        .text(`Kestrel Peak Software - ${POLICY_TITLE} v4.2`, { width });
      doc.moveDown(1.2);
      if (i === 0) {
        doc.font('Helvetica-Bold').fontSize(20).fillColor('#000000').text(POLICY_TITLE, { width });
        doc.moveDown(0.6);
      }
      doc.font('Helvetica-Bold').fontSize(14).fillColor('#000000').text(page.heading, { width });
      doc.moveDown(0.6);
      for (const block of page.blocks) {
        if (typeof block === 'string') {
          doc.font('Helvetica').fontSize(10.5).fillColor('#000000').text(block, { width, align: 'left', lineGap: 2 });
        } else if (block.lines) {
          for (const line of block.lines) doc.font('Helvetica').fontSize(10.5).fillColor('#000000').text(line, { width, align: 'left', lineGap: 2 });
        } else {
          doc.font('Helvetica').fontSize(10.5).fillColor('#000000')
            .list(block.list, { width: width - 20, indent: 12, bulletIndent: 6, bulletRadius: 2, textIndent: 12, lineGap: 2 });
        }
        doc.moveDown(0.6);
      }
    });

    // Footers, drawn after layout; they sit inside the bottom margin, so lift the
    // margin while writing them to keep pdfkit from starting a new page.
    const range = doc.bufferedPageRange();
    if (range.count !== SECURITY_PAGES.length) {
      reject(new Error(`PDF has ${range.count} pages, expected ${SECURITY_PAGES.length}: a section overflowed its page`));
      return;
    }
    for (let i = range.start; i < range.start + range.count; i++) {
      doc.switchToPage(i);
      const bottom = doc.page.margins.bottom;
      doc.page.margins.bottom = 0;
      doc.font('Helvetica').fontSize(9).fillColor('#555555')
        .text(`Internal - Page ${i + 1} of ${range.count}`, 72, 792 - 48, { width, align: 'center', lineBreak: false });
      doc.page.margins.bottom = bottom;
    }
    doc.end();
  });
}

/* ------------------------------------------------------------------------ */
/* Travel and Expenses Policy (DOCX).                                        */
/* Each entry: ['h1' | 'h2' | 'p' | 'li', text].                             */
/* ------------------------------------------------------------------------ */

const TRAVEL_POLICY = [
  ['h1', 'Travel and Expenses Policy'],
  ['p', 'Owner: Finance (finance@kestrelpeak.example). Last reviewed: January 20, 2025. Applies to all employees and to contractors whose contract allows expense claims.'],
  ['p', 'This policy explains how to book business travel and which costs Kestrel Peak reimburses when you pay for them yourself. Spend company money as carefully as you would your own: choose the reasonable option, not the most expensive one. All amounts are in US dollars and include tax and tips unless stated otherwise.'],

  ['h1', 'Part A: Travel'],
  ['h2', 'Approval before you book'],
  ['p', 'All business travel needs your manager\'s approval before you book. International travel also needs approval from your department head. Travel to team on-site weeks is pre-approved once the dates are announced. Before travelling abroad, check the list of excluded countries in the Remote Work Policy and ask IT whether you need a travel laptop.'],
  ['h2', 'Booking'],
  ['p', 'Book flights, hotels and rental cars through Navan, the company travel platform. Bookings made in Navan are paid by the company directly, and Navan lets the Security team reach you in an emergency. Travel booked outside Navan is reimbursed only if it was cheaper than the equivalent option in Navan, and you must attach a screenshot of the Navan price.'],
  ['p', 'Book at least 14 days before departure whenever possible. Late bookings cost on average 30% more.'],
  ['h2', 'Flights'],
  ['li', 'Economy class for flights under 6 hours.'],
  ['li', 'Premium economy is allowed for flights of 6 hours or more, measured as the scheduled time of the longest single flight.'],
  ['li', 'Business class is allowed only with written approval from a VP, for example for medical reasons.'],
  ['li', 'One checked bag per trip is reimbursed, as is in-flight Wi-Fi when you need to work.'],
  ['li', 'You may keep frequent-flyer miles and points, but loyalty programs must not influence which flight you choose.'],
  ['h2', 'Hotels'],
  ['p', 'Hotel rates are capped at $250 per night in most cities. In high-cost cities the cap is $350 per night. High-cost cities are New York, San Francisco, Boston, Seattle, Washington D.C., London, Zurich and Tokyo. Rates above the cap need approval from your department head before booking, for example during a large conference. Short-term rentals such as Airbnb are allowed within the same caps.'],
  ['p', 'Employees are not expected to share hotel rooms. For team on-site weeks, People Operations books a hotel block and you do not need to book yourself.'],
  ['h2', 'Ground transportation'],
  ['li', 'Public transport, taxis and standard rideshare services (Uber, Lyft) are reimbursed. Premium rideshare options are not.'],
  ['li', 'Rental cars must be mid-size or smaller. In the United States, decline the rental company\'s collision insurance, because the company\'s policy covers it.'],
  ['li', 'Using your own car for business is reimbursed at the IRS standard mileage rate, which is 70 cents per mile in 2025. The mileage rate covers fuel and wear, so fuel receipts are not reimbursed separately.'],
  ['li', 'Airport parking is reimbursed at the rate of the airport\'s economy parking lot.'],
  ['li', 'Your normal commute to the Portland office is not a business expense.'],
  ['h2', 'Combining business and personal travel'],
  ['p', 'You may add personal days to a business trip. The company pays the cost of the business part only: if personal days make the flight more expensive, you pay the difference, and hotel nights for personal days are yours. Travel costs for family members or friends are never reimbursed.'],
  ['h2', 'Safety and insurance'],
  ['p', 'Every business trip is covered by the company travel insurance policy, including medical emergencies abroad, through International SOS. The International SOS phone number is in the Navan app. For international trips, make sure the trip is in Navan so we can find you if something happens.'],

  ['h1', 'Part B: Expenses'],
  ['h2', 'Meals'],
  ['p', 'When travelling for business, meals are reimbursed at actual cost up to a daily limit of $75 per day in the United States and $100 per day outside the United States. The limit covers breakfast, lunch, dinner and snacks together, including tips. Meals that are already provided, such as at a conference or on a team on-site week, do not count toward the limit and are not reimbursed twice.'],
  ['p', 'Meals when you are not travelling are not reimbursed, except for client entertainment and team events approved by your manager.'],
  ['h2', 'Client entertainment'],
  ['p', 'Meals and events with customers or prospects are reimbursed up to $150 per person, including the employees attending. The claim must list the names and companies of all attendees and the business purpose. Alcohol is reimbursed only as part of client entertainment and must be moderate. Entertainment of government officials is not allowed without approval from the General Counsel.'],
  ['h2', 'Other reimbursable expenses'],
  ['li', 'Visa fees, passport photos and travel vaccinations needed for a business trip.'],
  ['li', 'Laundry on business trips of more than 5 nights.'],
  ['li', 'Mobile data roaming packages while abroad on business.'],
  ['li', 'Conference tickets count against your $1,500 learning budget, but conference travel and hotels are reimbursed under this policy.'],
  ['h2', 'What is not reimbursed'],
  ['li', 'Alcohol, except as part of client entertainment.'],
  ['li', 'Hotel minibar, movies and spa services.'],
  ['li', 'Seat or cabin upgrades paid for yourself, beyond what this policy allows.'],
  ['li', 'Traffic fines, parking tickets and penalties.'],
  ['li', 'Lost or stolen personal items, including luggage.'],
  ['li', 'Costs of family members or friends travelling with you.'],
  ['h2', 'Submitting an expense claim'],
  ['p', 'Submit expense claims in Expensify within 30 days of the expense, or within 30 days of the end of your trip. Claims submitted more than 90 days after the expense are not reimbursed.'],
  ['li', 'Receipts are required for every expense of $25 or more. Receipts must be itemised: a card slip showing only the total is not enough.'],
  ['li', 'If you lose a receipt, submit a missing receipt declaration in Expensify. You may use a missing receipt declaration no more than 2 times per calendar year.'],
  ['li', 'Add the business purpose to each expense, and the attendees for client entertainment.'],
  ['li', 'Expenses paid with a Ramp company card are recorded in Ramp, not in Expensify.'],
  ['h2', 'Approval and reimbursement'],
  ['p', 'Your manager approves your expense claims in Expensify. Claims over $5,000 are also reviewed by Finance. Managers cannot approve their own claims; those go to the next level of management. Approved claims are reimbursed with the monthly payroll on the 25th if they are approved by the 15th of the month; otherwise they are reimbursed the following month.'],
  ['p', 'Finance audits a random sample of expense claims every month. Claims that break this policy are returned, and deliberate false claims are treated as misconduct. Expense records are kept for 7 years, as set out in the Data Retention Schedule.'],
  ['h2', 'Questions'],
  ['p', 'Ask in the #finance-help Slack channel or email finance@kestrelpeak.example before you spend, if you are unsure whether something is covered.'],
];

async function writeDocx(path) {
  const children = TRAVEL_POLICY.map(([kind, text]) => {
    switch (kind) {
      case 'h1':
        return new Paragraph({ text, heading: HeadingLevel.HEADING_1 });
      case 'h2':
        return new Paragraph({ text, heading: HeadingLevel.HEADING_2 });
      case 'li':
        return new Paragraph({ children: [new TextRun(text)], numbering: { reference: 'bullets', level: 0 } });
      case 'p':
        return new Paragraph({ children: [new TextRun(text)], spacing: { after: 120 } });
      default:
        throw new Error(`unknown block kind ${kind}`);
    }
  });
  const doc = new Document({
    title: 'Travel and Expenses Policy',
    creator: 'Kestrel Peak Finance',
    description: 'Booking travel, hotel and meal limits, and submitting expense claims',
    numbering: {
      config: [
        {
          reference: 'bullets',
          levels: [{ level: 0, format: LevelFormat.BULLET, text: '\u2022', alignment: AlignmentType.LEFT, style: { paragraph: { indent: { left: 720, hanging: 360 } } } }],
        },
      ],
    },
    sections: [{ children }],
  });
  const buffer = await Packer.toBuffer(doc);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, buffer);
}

await writePdf(PDF_PATH);
console.log(`wrote ${PDF_PATH}`);
await writeDocx(DOCX_PATH);
console.log(`wrote ${DOCX_PATH}`);
