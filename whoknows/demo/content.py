"""Vocabularies and templates for the demo organisation.

Why this is hand-written rather than random words: semantic search can only be judged on text that means
something. Each topic carries its own terms, named methods, typical problems, concrete advice and synonyms, so
a paraphrased query ("how do we get our energy supplier to agree a better tariff") lands on documents about
"contract negotiation with utilities" without sharing its words. The queries in :data:`TOPICS` are written as
paraphrases on purpose and become the planted truth for ranking tests.
"""

from __future__ import annotations

from dataclasses import dataclass

ANCHOR_DATE = "2026-09-30"
EMAIL_DOMAIN = "example.org"
LMS_HOME_PAGE = "https://lms.example.org"
COURSE_IRI = "https://lms.example.org/courses/"


@dataclass(frozen=True, slots=True)
class Department:
    """A department: its size weight, where its people sit and what they are called."""

    name: str
    weight: float
    locations: tuple[str, ...]
    head_title: str
    manager_titles: tuple[str, ...]
    ic_titles: tuple[str, ...]
    km_rate: float  # share of people who take the KM curriculum at all


DEPARTMENTS: tuple[Department, ...] = (
    Department(
        "Finance",
        0.10,
        ("London", "Manchester"),
        "Chief Financial Officer",
        ("Finance Manager", "Financial Controller", "Head of FP&A"),
        ("Financial Analyst", "Management Accountant", "Accounts Payable Specialist", "Treasury Analyst"),
        0.35,
    ),
    Department(
        "Operations",
        0.18,
        ("Rotterdam", "Manchester", "Leeds"),
        "Chief Operating Officer",
        ("Plant Manager", "Shift Manager", "Maintenance Manager", "Logistics Manager"),
        ("Process Engineer", "Maintenance Technician", "Production Supervisor", "Warehouse Coordinator"),
        0.30,
    ),
    Department(
        "Engineering",
        0.15,
        ("London", "Dublin", "Remote"),
        "VP Engineering",
        ("Engineering Manager", "Platform Lead", "Data Engineering Manager"),
        ("Software Engineer", "Site Reliability Engineer", "Data Engineer", "Platform Engineer", "QA Engineer"),
        0.20,
    ),
    Department(
        "Customer Service",
        0.14,
        ("Leeds", "Dublin"),
        "Head of Customer Service",
        ("Contact Centre Manager", "Team Leader", "Quality Manager"),
        ("Customer Service Advisor", "Complaints Specialist", "Quality Coach", "Resolution Officer"),
        0.40,
    ),
    Department(
        "HR / People",
        0.07,
        ("London", "Manchester"),
        "Chief People Officer",
        ("HR Business Partner Lead", "Talent Manager", "Reward Manager"),
        ("HR Business Partner", "Talent Specialist", "People Analyst", "Recruiter"),
        0.60,
    ),
    Department(
        "Legal & Compliance",
        0.06,
        ("London", "Brussels"),
        "General Counsel",
        ("Senior Legal Counsel", "Compliance Manager", "Data Protection Officer"),
        ("Legal Counsel", "Compliance Analyst", "Privacy Specialist", "Paralegal"),
        0.50,
    ),
    Department(
        "Sales",
        0.11,
        ("London", "Toronto", "Singapore"),
        "Chief Revenue Officer",
        ("Regional Sales Manager", "Key Account Director", "Sales Operations Manager"),
        ("Account Executive", "Key Account Manager", "Sales Analyst", "Bid Manager"),
        0.25,
    ),
    Department(
        "Procurement",
        0.05,
        ("Rotterdam", "London"),
        "Chief Procurement Officer",
        ("Category Manager", "Strategic Sourcing Manager"),
        ("Buyer", "Procurement Analyst", "Contract Specialist", "Supplier Quality Engineer"),
        0.45,
    ),
    Department(
        "IT",
        0.09,
        ("Manchester", "Dublin", "Remote"),
        "Chief Information Officer",
        ("IT Service Manager", "Security Operations Manager", "Collaboration Platforms Lead"),
        ("Systems Administrator", "Security Analyst", "SharePoint Specialist", "Service Desk Analyst"),
        0.30,
    ),
    Department(
        "Knowledge Management office",
        0.03,
        ("London", "Remote"),
        "Chief Knowledge Officer",
        ("Knowledge Manager",),
        ("Knowledge Analyst", "Community Manager", "Learning Designer", "Taxonomist"),
        0.98,
    ),
    Department(
        "Health & Safety",
        0.02,
        ("Rotterdam", "Leeds"),
        "Head of Health & Safety",
        ("Safety Manager",),
        ("Safety Advisor", "Occupational Health Nurse", "Environmental Specialist"),
        0.35,
    ),
)

EXECUTIVE = Department(
    "Executive Office",
    0.0,
    ("London",),
    "Chief Executive Officer",
    ("Chief of Staff",),
    ("Executive Assistant", "Strategy Analyst"),
    0.7,
)

GIVEN_NAMES: tuple[str, ...] = (
    "Ada", "Amara", "Aisha", "Alejandro", "Anders", "Anika", "Bea", "Bram", "Camille", "Carlos", "Chen", "Chloe",
    "Dara", "Deepa", "Diego", "Elif", "Emeka", "Emma", "Farah", "Finn", "Freya", "Gabriel", "Grace", "Hana",
    "Hugo", "Ines", "Isaac", "Ivan", "Jada", "Jamal", "Jonas", "Julia", "Kai", "Kenji", "Khadija", "Lars",
    "Layla", "Leo", "Lina", "Lucas", "Maeve", "Malik", "Maria", "Mateo", "Mei", "Mia", "Milan", "Nadia",
    "Naveen", "Niamh", "Noah", "Nora", "Olu", "Omar", "Oscar", "Priya", "Rafael", "Rania", "Ravi", "Rosa",
    "Ruth", "Sami", "Sara", "Sean", "Sofia", "Sven", "Tariq", "Tess", "Theo", "Tomas", "Uma", "Valentina",
    "Victor", "Wen", "Yara", "Yusuf", "Zainab", "Zoe", "Aoife", "Bilal", "Cormac", "Daria", "Esther", "Felix",
)  # fmt: skip

FAMILY_NAMES: tuple[str, ...] = (
    "Abara", "Ahmed", "Andersen", "Bakker", "Banerjee", "Becker", "Brennan", "Campbell", "Castillo", "Chowdhury",
    "Costa", "Dubois", "Dvorak", "Eriksen", "Evans", "Fernandes", "Fischer", "Gallagher", "Garcia", "Haddad",
    "Hansen", "Hughes", "Ibrahim", "Jansen", "Kaur", "Kelly", "Khan", "Kowalski", "Kumar", "Larsen", "Lee",
    "Lindqvist", "Lopez", "Mahmoud", "Martin", "Mensah", "Meyer", "Moreau", "Murphy", "Nakamura", "Nguyen",
    "Novak", "Nowak", "O'Brien", "Okafor", "Olsen", "Patel", "Pereira", "Petrov", "Quinn", "Rahman", "Reyes",
    "Rossi", "Santos", "Schmidt", "Sharma", "Silva", "Singh", "Sorensen", "Tanaka", "Taylor", "Thompson",
    "Van Dijk", "Varga", "Walsh", "Wang", "Weber", "Williams", "Wong", "Yilmaz", "Zhang", "Zimmermann",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Topic:
    """A subject the organisation knows about, with the words people use for it.

    ``terms`` are the domain's noun phrases, ``methods`` its named techniques and tools, ``problems`` what
    goes wrong, ``tips`` concrete advice in full sentences, ``synonyms`` other names for the topic, and
    ``queries`` paraphrased questions a colleague would type (the planted truth for ranking tests).
    """

    key: str
    name: str
    department: str
    community: str
    terms: tuple[str, ...]
    methods: tuple[str, ...]
    problems: tuple[str, ...]
    tips: tuple[str, ...]
    synonyms: tuple[str, ...]
    queries: tuple[str, ...]
    course: str | None = None  # title of the domain course on this topic, if any


TOPICS: tuple[Topic, ...] = (
    Topic(
        "contract-negotiation-utilities",
        "contract negotiation with utilities",
        "Procurement",
        "Contract & Supplier Management",
        (
            "energy supply contract",
            "index-linked tariff",
            "take-or-pay clause",
            "capacity charge",
            "half-hourly load profile",
            "renewal window",
            "pass-through costs",
            "water and wastewater tariff",
        ),
        (
            "flexible purchasing with tranche buying",
            "BATNA preparation",
            "should-cost model for energy",
            "tariff benchmarking against the regulator's published rates",
        ),
        (
            "auto-renewal at out-of-contract rates",
            "unexpected capacity charges after a site expansion",
            "a supplier refusing to reopen the price review clause",
            "missing the renewal window by a few weeks",
        ),
        (
            "Map the half-hourly load profile for every site before the first meeting with the energy supplier.",
            "Put the renewal calendar in the contract register so nobody misses the notice period again.",
            "Ask the utility to split pass-through costs from the commodity price so you can compare offers.",
            "A take-or-pay clause of more than 90 percent of forecast volume is a red flag for a site that may close.",
            "Buying energy in tranches over twelve months smoothed out the price spikes we saw in the spot market.",
            "Bring the site's facilities manager to the negotiation; they know which loads can be shifted off-peak.",
        ),
        ("utility contracts", "energy procurement", "negotiating with the electricity and gas supplier"),
        (
            "how do we get our energy supplier to agree a better tariff at renewal",
            "who can help renegotiate the electricity and water supply agreement for a plant",
            "advice on take-or-pay and capacity charges in power purchase deals",
        ),
        "Negotiating Utility and Energy Contracts",
    ),
    Topic(
        "supplier-risk-assessment",
        "supplier risk assessment",
        "Procurement",
        "Contract & Supplier Management",
        (
            "supplier risk register",
            "single-source dependency",
            "financial health score",
            "tier-two supplier",
            "business continuity questionnaire",
            "country risk",
            "supplier scorecard",
            "onboarding due diligence",
        ),
        (
            "Kraljic matrix segmentation",
            "dual sourcing strategy",
            "supplier risk heat map",
            "quarterly business reviews with critical suppliers",
        ),
        (
            "a critical supplier going into administration with no warning",
            "hidden single-source parts in the bill of materials",
            "questionnaires that suppliers fill in once and never update",
            "no visibility beyond tier-one suppliers",
        ),
        (
            "Segment suppliers with the Kraljic matrix first; "
            "only the strategic and bottleneck quadrants need the full assessment.",
            "Re-score financial health every quarter from credit agency data rather than once at onboarding.",
            "Ask critical suppliers to name their own tier-two suppliers for the parts that matter most.",
            "A dual sourcing plan for bottleneck items cut our exposure when the port strike hit.",
            "Keep the supplier risk register next to the contract register so renewals trigger a fresh review.",
            "Score business continuity answers against evidence, not self-assessment.",
        ),
        ("vendor risk management", "third-party supply risk", "supplier resilience"),
        (
            "what happens if one of our key vendors goes bust, how do we check that in advance",
            "who knows how to score vendors for continuity and financial stability",
            "reducing dependency on a single source supplier",
        ),
        "Supplier Risk and Resilience",
    ),
    Topic(
        "tender-evaluation",
        "tender evaluation and strategic sourcing",
        "Procurement",
        "Contract & Supplier Management",
        (
            "request for proposal",
            "evaluation criteria",
            "weighted scoring matrix",
            "clarification questions",
            "best and final offer",
            "total cost of ownership",
            "sourcing event",
            "award recommendation",
        ),
        (
            "MEAT criteria (most economically advantageous tender)",
            "two-envelope evaluation",
            "reverse auction",
            "moderation meeting for scorers",
        ),
        (
            "scorers who disagree by three points on the same answer",
            "a lowest-price award that cost more over five years",
            "bidders challenging the award decision",
            "criteria written after the bids arrived",
        ),
        (
            "Fix the weighted scoring matrix and publish it in the RFP before any bid is opened.",
            "Hold a moderation meeting so scorers explain their marks before averaging them.",
            "Compare total cost of ownership over the contract life, not the unit price.",
            "Keep a clarification log; every answer goes to all bidders at the same time.",
            "Open the commercial envelope only after the quality scores are locked.",
        ),
        ("RFP evaluation", "bid assessment", "procurement tendering"),
        (
            "how should we score bids from vendors fairly in an RFP",
            "who has run a formal tender with weighted criteria and moderation",
        ),
        "Running a Fair Tender",
    ),
    Topic(
        "onboarding-km-champions",
        "onboarding new KM champions",
        "Knowledge Management office",
        "KM Champions Network",
        (
            "KM champion",
            "champion network",
            "champion charter",
            "knowledge sharing habits",
            "buddy system",
            "champion toolkit",
            "time allocation agreement",
            "recognition scheme",
        ),
        ("30-60-90 day champion plan", "peer shadowing", "champion clinics", "the Performing and Learning Framework"),
        (
            "champions who get the role on top of a full workload",
            "enthusiasm that fades after the kick-off",
            "line managers who do not know what the champion role involves",
            "no recognition for champion work",
        ),
        (
            "Agree a time allocation with the champion's line manager in writing, ten percent is a realistic start.",
            "Pair every new KM champion with an experienced buddy for the first ninety days.",
            "Give new champions a toolkit: the champion charter, a slide on the Performing and Learning Framework "
            "and three ready-made activities.",
            "Run a monthly champion clinic where champions bring a real knowledge problem from their team.",
            "Celebrate champion contributions in the all-hands; recognition keeps the network alive.",
            "Ask each champion to run one after action review in their first quarter so they learn by doing.",
        ),
        ("knowledge champions", "KM ambassadors", "champion network onboarding"),
        (
            "how do I get new knowledge ambassadors up to speed in their first months",
            "who can help set up a network of people who promote knowledge sharing in their teams",
            "induction plan for knowledge management representatives",
        ),
        None,
    ),
    Topic(
        "after-action-reviews",
        "after action reviews",
        "Knowledge Management office",
        "KM Champions Network",
        (
            "after action review",
            "AAR facilitator",
            "intended versus actual",
            "blame-free debrief",
            "lessons learned log",
            "retrospect",
            "learning before, during and after",
            "action owner",
        ),
        ("the four AAR questions", "peer assist", "retrospect meeting", "lessons learned database"),
        (
            "reviews that turn into blame sessions",
            "lessons recorded but never applied",
            "reviews held months after the event when nobody remembers",
            "too many lessons and no owners",
        ),
        (
            "Ask the four questions in order: what was supposed to happen, what actually happened, "
            "why was there a difference, what will we do next time.",
            "Hold the after action review within a week, while memories are fresh.",
            "The facilitator should not be the project manager; a neutral facilitator keeps it blame-free.",
            "Limit the output to three lessons, each with an action owner and a date.",
            "Run a peer assist before the next similar project so the lessons are actually reused.",
            "Record lessons in the lessons learned log with tags so others can find them.",
        ),
        ("AAR", "project debrief", "post-incident learning review", "retrospective"),
        (
            "how do we run a debrief after a project so the team learns instead of blaming",
            "who facilitates learning reviews when something went wrong",
            "capturing what went well and badly at the end of an initiative",
        ),
        None,
    ),
    Topic(
        "retention-interviews-retiring-experts",
        "retention interviews with retiring experts",
        "Knowledge Management office",
        "Expertise Retention",
        (
            "knowledge retention interview",
            "retiring expert",
            "critical knowledge",
            "tacit knowledge",
            "knowledge map",
            "exit interview",
            "successor",
            "know-how transfer",
        ),
        (
            "structured knowledge elicitation",
            "critical knowledge risk assessment",
            "storytelling interview",
            "shadowing and reverse shadowing",
        ),
        (
            "experts who retire before anyone asks what they know",
            "interviews that capture facts but not judgement",
            "transcripts nobody reads",
            "successors named too late",
        ),
        (
            "Start retention interviews at least six months before the retirement date.",
            "Build a knowledge map with the expert first: who relies on them, for what decisions.",
            "Ask for stories about the hardest cases; judgement lives in the exceptions, not the procedure.",
            "Have the successor in the room so the transfer is a conversation, not a transcript.",
            "Turn each interview into a short knowledge asset with a decision tree the successor can use.",
            "Rate each knowledge area for criticality and how many other people hold it.",
        ),
        ("knowledge retention", "capturing knowledge from leavers", "expert exit interviews"),
        (
            "our most senior engineer retires next spring, how do we keep what he knows",
            "who can interview long-serving staff before they leave to capture their know-how",
            "preventing loss of tacit know-how when experienced people leave",
        ),
        None,
    ),
    Topic(
        "succession-planning",
        "succession planning for critical roles",
        "HR / People",
        "Expertise Retention",
        (
            "succession plan",
            "critical role",
            "ready-now successor",
            "talent pool",
            "nine-box grid",
            "development plan",
            "flight risk",
            "bench strength",
        ),
        ("nine-box talent review", "critical role analysis", "acceleration pools", "stretch assignments"),
        (
            "a single ready-now successor for several roles",
            "succession plans that are never reviewed",
            "high potentials leaving because they see no path",
            "bench strength overstated by managers",
        ),
        (
            "Identify critical roles by impact and scarcity, not by seniority.",
            "Calibrate the nine-box grid across managers so ratings mean the same thing.",
            "Name at least two successors per critical role, one ready now and one in two years.",
            "Give named successors stretch assignments and track them in the development plan.",
            "Review succession plans twice a year at the talent review.",
        ),
        ("talent pipeline", "bench planning", "successor readiness"),
        (
            "who should replace key managers if they leave, how do we plan that",
            "building a pipeline of ready successors for leadership positions",
        ),
        "Succession Planning Essentials",
    ),
    Topic(
        "sharepoint-taxonomy",
        "SharePoint taxonomy design",
        "IT",
        "Information Architecture",
        (
            "term store",
            "managed metadata",
            "content type",
            "site hierarchy",
            "hub site",
            "document library",
            "information architecture",
            "controlled vocabulary",
        ),
        ("card sorting", "term set governance", "content type hub", "tree testing"),
        (
            "hundreds of near-duplicate tags",
            "folders nested eight levels deep",
            "nobody owns the term store",
            "search that returns everything and nothing",
        ),
        (
            "Run a card sorting workshop with real users before designing the term store.",
            "Keep term sets shallow: two or three levels are enough for most managed metadata.",
            "Appoint a term set owner per business area and review new terms monthly.",
            "Use content types for the kind of document and managed metadata for the subject; do not mix them.",
            "Replace deep folder trees with metadata columns and views in the document library.",
            "Tree testing showed us that users looked for policies under the department, not under HR.",
        ),
        ("information architecture", "metadata design", "intranet classification", "M365 taxonomy"),
        (
            "how should we organise tags and metadata on the intranet document libraries",
            "who can design a classification scheme for our Microsoft 365 sites",
            "our file shares are a mess of folders, how do we structure them with metadata",
        ),
        "SharePoint Information Architecture",
    ),
    Topic(
        "records-retention-schedules",
        "records retention schedules",
        "Legal & Compliance",
        "Information Architecture",
        (
            "retention schedule",
            "record class",
            "legal hold",
            "disposition review",
            "retention label",
            "statutory retention period",
            "records manager",
            "destruction certificate",
        ),
        (
            "big bucket retention",
            "event-based retention",
            "retention label policies in Microsoft Purview",
            "annual disposition review",
        ),
        (
            "keeping everything forever just in case",
            "legal holds that are never released",
            "two hundred record classes nobody can apply",
            "email kept outside any schedule",
        ),
        (
            "Collapse the schedule into a dozen big buckets that users can actually apply.",
            "Use event-based retention for contracts: the clock starts at contract end, not creation.",
            "Check every legal hold at the annual disposition review and release the ones that ended.",
            "Keep a destruction certificate for every batch that is disposed of.",
            "Map each record class to its statutory retention period with the legal citation.",
        ),
        ("records management", "document retention policy", "data disposal rules"),
        (
            "how long do we have to keep invoices and contracts before deleting them",
            "who knows our rules for archiving and destroying old records",
        ),
        None,
    ),
    Topic(
        "root-cause-analysis-shop-floor",
        "root cause analysis on the shop floor",
        "Operations",
        "Lean & Continuous Improvement",
        (
            "root cause",
            "fishbone diagram",
            "five whys",
            "containment action",
            "corrective action",
            "defect rate",
            "gemba walk",
            "process capability",
        ),
        ("Ishikawa diagram", "8D problem solving", "five whys", "Pareto analysis of defects"),
        (
            "fixing the symptom and seeing the defect come back",
            "blaming the operator",
            "corrective actions that are never verified",
            "too many causes and no data",
        ),
        (
            "Go to the gemba: look at the machine and the part before drawing the fishbone diagram.",
            "Contain first, then analyse; quarantine the suspect batch before the five whys session.",
            "Stop asking why when you reach a cause you can act on and verify.",
            "Use a Pareto chart of defect codes to pick which problem to solve first.",
            "Verify the corrective action with data from at least three production runs.",
            "Operator error is never a root cause; ask why the process allowed the error.",
        ),
        ("problem solving on the production line", "8D", "defect investigation", "RCA"),
        (
            "the same defect keeps coming back on line 3, how do we find out why",
            "who is good at running fishbone and five whys sessions in the plant",
            "structured problem solving for recurring quality issues in manufacturing",
        ),
        "Practical Root Cause Analysis",
    ),
    Topic(
        "preventive-maintenance",
        "preventive maintenance planning",
        "Operations",
        "Lean & Continuous Improvement",
        (
            "preventive maintenance schedule",
            "CMMS",
            "mean time between failures",
            "planned downtime",
            "spare parts criticality",
            "work order backlog",
            "condition monitoring",
            "overall equipment effectiveness",
        ),
        (
            "reliability-centred maintenance",
            "vibration analysis",
            "total productive maintenance",
            "failure mode and effects analysis",
        ),
        (
            "maintenance done by calendar whether the machine needs it or not",
            "a work order backlog of six weeks",
            "critical spares out of stock",
            "breakdowns during peak season",
        ),
        (
            "Rank assets by criticality before writing any preventive maintenance schedule.",
            "Move the critical pumps from calendar-based to condition-based maintenance with vibration analysis.",
            "Track mean time between failures per asset in the CMMS, not in spreadsheets.",
            "Agree planned downtime windows with production a quarter ahead.",
            "Stock critical spares based on lead time and failure history.",
        ),
        ("planned maintenance", "asset reliability", "maintenance scheduling", "TPM"),
        (
            "how do we stop machines breaking down unexpectedly during peak season",
            "who can set up a maintenance plan in the CMMS based on equipment condition",
        ),
        "Maintenance Planning and Reliability",
    ),
    Topic(
        "warehouse-inventory-accuracy",
        "warehouse inventory accuracy",
        "Operations",
        "Supply Chain & Logistics",
        (
            "cycle count",
            "inventory record accuracy",
            "bin location",
            "slotting",
            "stock adjustment",
            "warehouse management system",
            "pick face",
            "shrinkage",
        ),
        ("ABC cycle counting", "slotting optimisation", "scan-to-confirm picking", "root cause of stock variances"),
        (
            "the system says in stock but the shelf is empty",
            "annual stocktake that shuts the warehouse for days",
            "mis-picks from look-alike items in adjacent bins",
            "adjustments posted without investigation",
        ),
        (
            "Replace the annual stocktake with ABC cycle counting: A items monthly, C items twice a year.",
            "Never post a stock adjustment without a reason code and a quick variance investigation.",
            "Separate look-alike items so they are never in adjacent bin locations.",
            "Scan-to-confirm at the pick face cut our mis-picks by two thirds.",
            "Re-slot fast movers close to dispatch every quarter.",
        ),
        ("stock accuracy", "cycle counting", "warehouse slotting"),
        (
            "our stock figures never match what is physically on the shelves, who can help",
            "setting up continuous stock counting instead of a yearly stocktake",
        ),
        None,
    ),
    Topic(
        "lockout-tagout",
        "lockout tagout safety",
        "Health & Safety",
        "Safety First",
        (
            "lockout tagout",
            "energy isolation",
            "isolation point",
            "personal padlock",
            "permit to work",
            "zero energy verification",
            "stored energy",
            "group lockout box",
        ),
        ("machine-specific isolation procedures", "try-out step", "group lockout", "LOTO audits"),
        (
            "isolation of one energy source while another is still live",
            "contractors without their own padlocks",
            "stored pneumatic energy released during maintenance",
            "procedures that do not match the machine",
        ),
        (
            "Write a machine-specific isolation procedure that lists every energy source, including stored pressure.",
            "Always do the try-out: attempt to start the machine after isolation to verify zero energy.",
            "Every person working on the machine puts their own padlock on the group lockout box.",
            "Contractors get their own padlocks at the safety induction; no padlock, no permit to work.",
            "Audit lockout tagout on the floor every month, not just the paperwork.",
        ),
        ("LOTO", "energy isolation", "safe isolation of machinery"),
        (
            "how do we make sure machines cannot start while someone is repairing them",
            "who knows the safe isolation procedure for maintenance on powered equipment",
        ),
        "Lockout Tagout for Supervisors",
    ),
    Topic(
        "cloud-cost-optimisation",
        "cloud cost optimisation",
        "Engineering",
        "Cloud Platform Guild",
        (
            "cloud bill",
            "reserved instances",
            "savings plans",
            "rightsizing",
            "idle resources",
            "cost allocation tags",
            "egress charges",
            "spot instances",
        ),
        ("FinOps", "showback and chargeback", "rightsizing recommendations", "autoscaling schedules"),
        (
            "a cloud bill that doubled in a quarter",
            "untagged resources nobody owns",
            "development environments running all weekend",
            "data egress costs nobody expected",
        ),
        (
            "Enforce cost allocation tags at deployment; untagged resources are stopped after seven days.",
            "Schedule development environments to shut down at night and at weekends.",
            "Buy savings plans only for the steady baseline, and cover peaks with spot instances.",
            "Review rightsizing recommendations monthly; most of our virtual machines ran at under ten percent CPU.",
            "Show each team its own cloud bill every month; showback changed behaviour faster than policy.",
            "Keep data in the same region as the compute that reads it to avoid egress charges.",
        ),
        ("FinOps", "reducing AWS and Azure spend", "cloud spend management"),
        (
            "our AWS bill keeps going up, who can help us spend less on the cloud",
            "cutting infrastructure costs for virtual machines and storage in Azure",
            "who knows about reserved capacity and turning off idle servers",
        ),
        "FinOps Foundations",
    ),
    Topic(
        "kubernetes-incident-response",
        "Kubernetes incident response",
        "Engineering",
        "Cloud Platform Guild",
        (
            "pod crash loop",
            "readiness probe",
            "liveness probe",
            "resource limits",
            "node pressure",
            "incident commander",
            "runbook",
            "postmortem",
        ),
        ("incident command system", "blameless postmortem", "kubectl debugging", "SLO-based alerting"),
        (
            "pods in CrashLoopBackOff after a deploy",
            "out-of-memory kills under load",
            "alerts that page the on-call engineer for nothing",
            "no runbook for the failing service",
        ),
        (
            "When a pod crash-loops, read the previous container's logs before touching anything.",
            "Check readiness probes first; a probe that is too strict takes healthy pods out of service.",
            "Set memory limits from observed usage plus headroom, otherwise the kernel OOM-kills under load.",
            "Name an incident commander in the first five minutes; they coordinate, others fix.",
            "Roll back first, investigate later, when a deploy correlates with the incident.",
            "Write the blameless postmortem within two days and link it from the runbook.",
        ),
        ("K8s on-call", "container outage response", "cluster incident management", "SRE incident handling"),
        (
            "our containers keep restarting in production, who can help debug the cluster",
            "who knows how to lead an outage on the container platform and write the postmortem",
            "on-call playbook for services on K8s",
        ),
        "Kubernetes Operations and Incident Response",
    ),
    Topic(
        "cicd-pipeline-hardening",
        "CI/CD pipeline hardening",
        "Engineering",
        "Cloud Platform Guild",
        (
            "build pipeline",
            "deployment pipeline",
            "secrets management",
            "artifact signing",
            "dependency scanning",
            "branch protection",
            "flaky tests",
            "release gate",
        ),
        ("software bill of materials", "pinned dependencies", "least-privilege runners", "trunk-based development"),
        (
            "secrets leaked in build logs",
            "flaky tests that everyone re-runs until green",
            "a compromised third-party build action",
            "releases blocked for hours by slow pipelines",
        ),
        (
            "Never print secrets in build logs; inject them from the secrets manager at run time only.",
            "Pin third-party actions and dependencies to a commit hash, not a floating tag.",
            "Quarantine flaky tests and fix them within a sprint instead of re-running the build.",
            "Sign build artifacts and verify the signature at deploy time.",
            "Run dependency scanning on every merge request and block on critical findings.",
        ),
        ("DevOps pipeline security", "build and release automation", "supply chain security for software"),
        (
            "how do we secure our build and deployment automation against leaked credentials",
            "who can fix our slow and flaky continuous integration builds",
        ),
        "Secure Delivery Pipelines",
    ),
    Topic(
        "data-quality-monitoring",
        "data quality monitoring",
        "Engineering",
        "Data & Analytics",
        (
            "data quality rule",
            "completeness check",
            "freshness check",
            "schema drift",
            "data contract",
            "data steward",
            "anomaly detection",
            "golden record",
        ),
        (
            "data contracts between producers and consumers",
            "automated data tests in the pipeline",
            "data observability dashboards",
            "master data management",
        ),
        (
            "dashboards silently showing yesterday's numbers",
            "a column renamed upstream breaking every report",
            "duplicate customer records",
            "nobody knowing who owns a dataset",
        ),
        (
            "Add freshness and completeness checks to every table that feeds a management report.",
            "Agree a data contract with the producing team so schema changes are announced, not discovered.",
            "Name a data steward for each critical dataset and publish the list.",
            "Alert on anomalies in row counts; a sudden drop usually means an upstream failure.",
            "Merge duplicate customer records into a golden record in master data management.",
        ),
        ("data observability", "data validation", "trustworthy data"),
        (
            "our reports sometimes show wrong or stale numbers, who can set up checks on the data",
            "who knows about data contracts and catching schema changes before they break things",
        ),
        "Data Quality in Practice",
    ),
    Topic(
        "dashboard-design",
        "Power BI dashboard design",
        "IT",
        "Data & Analytics",
        (
            "Power BI report",
            "KPI card",
            "drill-through",
            "data model",
            "star schema",
            "DAX measure",
            "row-level security",
            "report usage metrics",
        ),
        ("star schema modelling", "information design principles", "row-level security roles", "report usage review"),
        (
            "dashboards with thirty charts and no message",
            "slow reports on a flat table model",
            "managers seeing other regions' data",
            "reports nobody opens after launch",
        ),
        (
            "Start from the decision the dashboard supports, then choose three to five KPI cards.",
            "Model the data as a star schema; flat tables make DAX measures slow and fragile.",
            "Use row-level security roles so each manager sees only their own region.",
            "Check report usage metrics after a month and retire what nobody opens.",
            "Put detail behind drill-through pages instead of crowding the overview.",
        ),
        ("BI reporting", "data visualisation", "management dashboards"),
        (
            "how do we build management reports people actually use in Power BI",
            "who can help design a KPI dashboard with proper data modelling",
        ),
        "Designing Effective Dashboards",
    ),
    Topic(
        "gdpr-data-subject-requests",
        "GDPR data subject requests",
        "Legal & Compliance",
        "Privacy & Data Protection",
        (
            "data subject access request",
            "right to erasure",
            "one-month deadline",
            "identity verification",
            "record of processing activities",
            "data protection officer",
            "redaction",
            "data map",
        ),
        ("DSAR workflow", "data mapping", "redaction of third-party data", "request triage"),
        (
            "requests arriving through every channel and getting lost",
            "missing the one-month deadline",
            "disclosing other people's personal data by mistake",
            "not knowing which systems hold the person's data",
        ),
        (
            "Log every data subject access request on the day it arrives; the one-month clock starts then.",
            "Verify identity proportionately; do not ask for more documents than you already hold.",
            "Keep the data map current so you know which systems to search for each request.",
            "Redact third-party personal data before disclosure, and record why.",
            "For erasure requests, check legal retention obligations before deleting anything.",
            "Extend by two months only for complex requests, and tell the requester within the first month.",
        ),
        ("DSAR", "subject access requests", "privacy rights requests", "right to be forgotten"),
        (
            "a customer asked for a copy of all data we hold about them, what do we do",
            "who handles privacy requests to delete someone's personal information",
            "deadline and process for access requests under European data protection law",
        ),
        "Handling Data Subject Requests",
    ),
    Topic(
        "third-party-due-diligence",
        "anti-bribery due diligence on third parties",
        "Legal & Compliance",
        "Privacy & Data Protection",
        (
            "third-party due diligence",
            "intermediary",
            "politically exposed person",
            "sanctions screening",
            "red flags",
            "beneficial ownership",
            "anti-bribery clause",
            "risk-based questionnaire",
        ),
        ("risk-based due diligence tiers", "adverse media screening", "ongoing monitoring", "compliance certification"),
        (
            "agents paid success fees in high-risk countries",
            "unclear beneficial ownership",
            "due diligence done once and never refreshed",
            "sales teams onboarding intermediaries before checks",
        ),
        (
            "Tier third parties by risk: country, sector, interaction with officials and payment type.",
            "Screen owners and directors against sanctions lists and for politically exposed persons.",
            "Treat a request for cash payments or offshore accounts as a red flag that stops onboarding.",
            "Refresh due diligence for high-risk intermediaries every year.",
            "Put the anti-bribery clause with audit rights in every agency agreement.",
        ),
        ("anti-corruption checks", "KYC for suppliers and agents", "bribery risk screening"),
        (
            "checking a new sales agent abroad for corruption risk before we sign",
            "who knows how to screen intermediaries for sanctions and bribery red flags",
        ),
        "Anti-Bribery and Corruption",
    ),
    Topic(
        "customer-complaint-handling",
        "customer complaint handling",
        "Customer Service",
        "Customer Experience",
        (
            "complaint",
            "first contact resolution",
            "escalation path",
            "ombudsman referral",
            "root cause tagging",
            "service recovery",
            "complaint log",
            "final response letter",
        ),
        (
            "LEARN model (listen, empathise, apologise, resolve, notify)",
            "complaint root cause tagging",
            "service recovery paradox",
            "eight-week final response process",
        ),
        (
            "the same complaint reaching the ombudsman because nobody owned it",
            "scripted apologies that make customers angrier",
            "complaints closed without fixing the cause",
            "escalations bouncing between teams",
        ),
        (
            "Own the complaint end to end: one named handler from first contact to final response.",
            "Listen first and acknowledge the impact before explaining policy.",
            "Tag every complaint with a root cause code so trends reach the product teams.",
            "Aim for first contact resolution, but confirm the fix with the customer afterwards.",
            "Send the final response letter within eight weeks and mention the ombudsman route.",
            "A well-handled service recovery often leaves customers more loyal than before the problem.",
        ),
        ("complaints management", "handling unhappy customers", "service recovery"),
        (
            "an angry customer wants compensation, how should we respond",
            "who is experienced with resolving escalated customer grievances",
            "reducing repeat complaints and ombudsman cases",
        ),
        "Complaint Handling Excellence",
    ),
    Topic(
        "call-quality-coaching",
        "call quality coaching",
        "Customer Service",
        "Customer Experience",
        (
            "quality scorecard",
            "call monitoring",
            "calibration session",
            "coaching conversation",
            "average handling time",
            "customer satisfaction score",
            "side-by-side listening",
            "soft skills",
        ),
        ("GROW coaching model", "call calibration", "side-by-side coaching", "speech analytics sampling"),
        (
            "quality scores that vary by assessor",
            "coaching that only talks about handling time",
            "advisors who dread feedback sessions",
            "scorecards that reward script compliance over outcomes",
        ),
        (
            "Hold a weekly calibration session where team leaders score the same call and discuss differences.",
            "Coach one behaviour at a time using the GROW model.",
            "Start coaching conversations with what the advisor thinks went well.",
            "Weight the quality scorecard towards resolution and empathy, not script compliance.",
            "Listen side by side with the advisor rather than reviewing recordings alone.",
        ),
        ("contact centre coaching", "QA for call centres", "agent feedback"),
        (
            "how do team leaders give useful feedback to phone advisors",
            "who can set up consistent quality scoring for customer calls",
        ),
        "Coaching for Contact Centre Leaders",
    ),
    Topic(
        "month-end-close-automation",
        "month-end close automation",
        "Finance",
        "Finance Close & Reporting",
        (
            "month-end close",
            "journal entry",
            "accruals",
            "close calendar",
            "reconciliation",
            "ERP",
            "robotic process automation",
            "close checklist",
        ),
        (
            "continuous accounting",
            "RPA bots for journal postings",
            "automated account reconciliation",
            "close task management",
        ),
        (
            "a close that takes twelve working days",
            "manual journals copied from spreadsheets",
            "late accruals from budget holders",
            "reconciliations done at the last minute",
        ),
        (
            "Map the close calendar task by task and find the critical path before automating anything.",
            "Automate recurring journal entries in the ERP instead of uploading spreadsheets.",
            "Reconcile high-volume accounts daily with automated matching, so month-end is just review.",
            "Send accrual requests to budget holders three days before period end with a default value.",
            "We used RPA bots for intercompany postings and cut two days from the close.",
            "Track close tasks in one checklist with owners and deadlines visible to everyone.",
        ),
        ("financial close", "period-end closing", "faster close", "record to report"),
        (
            "how can we close the books faster at the end of each month",
            "who has automated journal entries and reconciliations in the ERP",
            "speeding up period-end accounting with robots",
        ),
        "Fast Close and Automation",
    ),
    Topic(
        "intercompany-reconciliation",
        "intercompany reconciliation",
        "Finance",
        "Finance Close & Reporting",
        (
            "intercompany balance",
            "netting",
            "transfer pricing",
            "elimination entry",
            "mismatch",
            "intercompany agreement",
            "settlement",
            "consolidation",
        ),
        (
            "intercompany matching rules",
            "monthly netting cycle",
            "dispute resolution window",
            "consolidation eliminations",
        ),
        (
            "balances that do not agree between entities",
            "disputes unresolved for months",
            "foreign exchange differences on settlement",
            "charges booked by one side only",
        ),
        (
            "Agree intercompany balances with counterparties before day three of the close.",
            "Use one invoicing standard for all intercompany charges so both sides book the same amount.",
            "Net balances monthly and settle through the in-house bank.",
            "Escalate disputes older than thirty days to the regional controllers.",
            "Book foreign exchange differences in the entity that owns the currency risk.",
        ),
        ("IC reconciliation", "intercompany accounting", "consolidation eliminations"),
        (
            "our subsidiaries' balances with each other never match at consolidation, who can fix that",
            "netting and settling charges between group entities",
        ),
        None,
    ),
    Topic(
        "cash-flow-forecasting",
        "cash flow forecasting",
        "Finance",
        "Finance Close & Reporting",
        (
            "13-week cash flow forecast",
            "liquidity headroom",
            "receipts and payments",
            "working capital",
            "forecast accuracy",
            "debtor days",
            "rolling forecast",
            "treasury",
        ),
        (
            "direct method forecasting",
            "variance analysis against actuals",
            "scenario planning",
            "rolling 13-week forecast",
        ),
        (
            "forecasts that miss by millions",
            "no visibility of large payments until they leave",
            "sales teams over-promising collection dates",
            "forecast built from the P&L rather than cash",
        ),
        (
            "Forecast cash with the direct method from receipts and payments, not from the profit and loss account.",
            "Compare every week's forecast with actuals and explain the variance.",
            "Ask the business to flag any payment over a threshold two weeks ahead.",
            "Run a downside scenario with slower collections to check liquidity headroom.",
            "Roll the 13-week forecast forward every Monday.",
        ),
        ("liquidity forecasting", "treasury cash planning", "working capital forecasting"),
        (
            "how do we predict how much money we will have in the bank over the next quarter",
            "who builds short-term liquidity forecasts for treasury",
        ),
        "Cash Forecasting for Non-Specialists",
    ),
    Topic(
        "performance-calibration",
        "performance review calibration",
        "HR / People",
        "People Practices",
        (
            "calibration meeting",
            "rating distribution",
            "performance rating",
            "evidence of impact",
            "rater bias",
            "promotion case",
            "goal setting",
            "continuous feedback",
        ),
        ("calibration with evidence packs", "bias interrupters", "OKR-based goal setting", "mid-year check-ins"),
        (
            "ratings inflated in some teams and deflated in others",
            "recency bias in year-end reviews",
            "loud managers winning calibration debates",
            "ratings with no written evidence",
        ),
        (
            "Ask managers to bring two or three pieces of evidence of impact for each proposed rating.",
            "Name a bias interrupter in each calibration meeting to challenge recency and similarity bias.",
            "Look at the rating distribution by team and by demographic group before finalising.",
            "Collect feedback all year so the review does not rest on the last month.",
            "Keep promotion cases separate from performance ratings.",
        ),
        ("performance management", "rating calibration", "appraisal moderation"),
        (
            "how do managers agree fair ratings in the annual appraisal",
            "who knows how to reduce bias when reviewing employee performance",
        ),
        "Fair Performance Reviews",
    ),
    Topic(
        "engagement-survey-action-planning",
        "engagement survey action planning",
        "HR / People",
        "People Practices",
        (
            "engagement survey",
            "eNPS",
            "action plan",
            "pulse survey",
            "driver analysis",
            "heat map",
            "team conversation",
            "survey fatigue",
        ),
        ("key driver analysis", "you said, we did", "team action planning workshop", "quarterly pulse"),
        (
            "surveys with no visible follow-up",
            "survey fatigue and falling response rates",
            "action plans written by managers without the team",
            "results too aggregated to act on",
        ),
        (
            "Share team results within two weeks and hold a team conversation before writing any action plan.",
            "Pick at most two actions per team, based on the key driver analysis.",
            "Report back with 'you said, we did' so people see that the survey leads somewhere.",
            "Use short quarterly pulse surveys instead of one long annual survey to fight survey fatigue.",
        ),
        ("employee engagement", "staff survey follow-up", "eNPS improvement"),
        (
            "our staff survey results are poor, how do we turn them into actions",
            "who has improved team engagement after an employee survey",
        ),
        None,
    ),
    Topic(
        "key-account-planning",
        "key account planning",
        "Sales",
        "Sales Excellence",
        (
            "key account plan",
            "stakeholder map",
            "whitespace analysis",
            "account review",
            "decision-making unit",
            "share of wallet",
            "value proposition",
            "executive sponsor",
        ),
        ("stakeholder mapping", "whitespace analysis", "quarterly account reviews", "executive sponsor programme"),
        (
            "relying on one contact who then leaves",
            "account plans written once for the annual kick-off",
            "discounting instead of selling value",
            "not knowing the customer's own strategy",
        ),
        (
            "Map the decision-making unit: economic buyer, users, technical evaluators and blockers.",
            "Do a whitespace analysis of products the account does not buy yet.",
            "Pair each key account with an executive sponsor who meets their counterpart twice a year.",
            "Update the key account plan at every quarterly account review, not once a year.",
            "Anchor the value proposition in the customer's published strategy.",
        ),
        ("strategic account management", "large customer planning", "account growth"),
        (
            "how do we grow revenue with our biggest customers",
            "who writes strong plans for strategic clients and maps their stakeholders",
        ),
        "Strategic Account Management",
    ),
    Topic(
        "discount-governance",
        "pricing and discount governance",
        "Sales",
        "Sales Excellence",
        (
            "discount approval",
            "price waterfall",
            "deal desk",
            "price realisation",
            "list price",
            "approval matrix",
            "price leakage",
            "CPQ",
        ),
        ("price waterfall analysis", "deal desk reviews", "CPQ approval rules", "value-based pricing"),
        (
            "discounts creeping up at quarter end",
            "price leakage through rebates and free services",
            "approvals by email with no audit trail",
            "reps discounting before the customer asks",
        ),
        (
            "Draw the price waterfall for the top deals to see where margin leaks after the invoice.",
            "Encode the approval matrix in the CPQ tool so large discounts route to the deal desk automatically.",
            "Ask for a give-get: every discount is traded for volume, term or payment speed.",
            "Review price realisation by rep every month.",
        ),
        ("deal desk", "margin protection", "sales pricing approvals"),
        (
            "sales keep giving big discounts at quarter end, how do we control that",
            "who knows how to set up approval rules for special prices in quotes",
        ),
        "Pricing with Confidence",
    ),
    Topic(
        "phishing-incident-response",
        "phishing incident response",
        "IT",
        "Security Champions",
        (
            "phishing email",
            "credential harvesting",
            "report phish button",
            "mailbox rule",
            "token revocation",
            "indicators of compromise",
            "security operations centre",
            "simulated phishing",
        ),
        ("phishing triage playbook", "simulated phishing campaigns", "conditional access", "purge and block"),
        (
            "users entering their password on a fake login page",
            "attackers setting hidden forwarding rules",
            "hundreds of reports of the same phish flooding the service desk",
            "slow reset of compromised accounts",
        ),
        (
            "When an account is compromised, reset the password and revoke all session tokens, not just one.",
            "Search every mailbox for the same sender and subject and purge the message everywhere.",
            "Check for new inbox forwarding rules on the compromised mailbox.",
            "Thank users who press the report phish button; reporting rates rise when people get feedback.",
            "Run simulated phishing every quarter and follow it with two minutes of training, not punishment.",
        ),
        ("email security incidents", "credential phishing", "business email compromise"),
        (
            "someone clicked a suspicious link and typed their password, what now",
            "who handles fake login emails and compromised mailboxes",
        ),
        "Security Awareness for Responders",
    ),
    Topic(
        "access-reviews",
        "identity and access reviews",
        "IT",
        "Security Champions",
        (
            "access review",
            "joiner-mover-leaver",
            "least privilege",
            "orphaned account",
            "privileged access",
            "role-based access control",
            "entitlement",
            "segregation of duties",
        ),
        ("quarterly access recertification", "role mining", "privileged access management", "automated leaver process"),
        (
            "leavers whose accounts stay active for months",
            "managers rubber-stamping access reviews",
            "people collecting permissions as they move between teams",
            "shared admin accounts",
        ),
        (
            "Automate the leaver process from the HR system so accounts are disabled on the last day.",
            "Show reviewers only the risky entitlements, or they approve everything.",
            "Remove old permissions when people move teams: movers are the biggest source of excess access.",
            "Replace shared admin accounts with named privileged accounts in the vault.",
            "Check segregation of duties conflicts in the ERP roles every quarter.",
        ),
        ("user access recertification", "IAM governance", "permission reviews"),
        (
            "people keep their system permissions after changing jobs, how do we clean that up",
            "who runs the periodic review of who has access to what",
        ),
        None,
    ),
)


@dataclass(frozen=True, slots=True)
class KMCourse:
    code: str
    slug: str
    title: str
    description: str


KM_CURRICULUM: tuple[KMCourse, ...] = (
    KMCourse(
        "KM 100",
        "km-100",
        "Introduction to the Performing and Learning Framework",
        "Why knowledge management matters for performance: how the organisation learns before, during and after "
        "work, the roles of knowledge champions and communities, and how the Performing and Learning Framework "
        "connects daily work with capture, sharing and reuse of know-how.",
    ),
    KMCourse(
        "KM 101",
        "km-101",
        "Knowledge Capture with Individuals",
        "Techniques for capturing what one person knows: structured interviews, storytelling, shadowing and "
        "knowledge retention interviews with experts who are moving on or retiring; turning a conversation into a "
        "reusable knowledge asset.",
    ),
    KMCourse(
        "KM 102",
        "km-102",
        "Knowledge Capture with Teams",
        "Team learning processes: after action reviews, retrospects, peer assists and lessons learned workshops; "
        "facilitating blame-free conversations and making sure lessons lead to action.",
    ),
    KMCourse(
        "KM 103",
        "km-103",
        "Knowledge Assets",
        "Designing, writing and curating knowledge assets that people actually reuse: how-to guides, checklists, "
        "FAQs and lessons learned collections; metadata, ownership, review cycles and findability.",
    ),
    KMCourse(
        "KM 104",
        "km-104",
        "Communities of Practice",
        "Launching, leading and sustaining communities of practice: purpose and charter, leader and facilitator "
        "roles, subject matter experts, engagement rhythms and measuring the value a community delivers.",
    ),
    KMCourse(
        "KM 105",
        "km-105",
        "Creating a Knowledge Enabled Organization",
        "Putting it together: a knowledge strategy, governance, the KM champion network, measures and culture "
        "change so that knowledge flows across departments and is not lost when people leave.",
    ),
)

# Generic courses that are not about one planted topic (everybody takes some of them).
GENERAL_COURSES: tuple[tuple[str, str, str], ...] = (
    ("information-security-essentials", "Information Security Essentials",
     "Annual mandatory training on passwords, phishing, handling confidential information and reporting incidents."),
    ("code-of-conduct", "Code of Conduct",
     "Annual mandatory training on the code of conduct, conflicts of interest, gifts and speaking up."),
    ("leading-hybrid-teams", "Leading Hybrid Teams",
     "For people managers: setting team norms, running inclusive hybrid meetings and keeping remote staff connected."),
    ("presentation-skills", "Presentation Skills",
     "Structuring a message, designing clear slides and presenting with confidence to senior audiences."),
)  # fmt: skip

# -- document templates -----------------------------------------------------------------------------------
DOC_TYPES: tuple[str, ...] = ("lessons learned", "how-to guide", "after-action review", "FAQ", "checklist")

TITLE_TEMPLATES: dict[str, tuple[str, ...]] = {
    "lessons learned": (
        "Lessons learned: {problem_cap}",
        "What we learned about {name} at {site}",
        "Lessons learned from {method} in {dept}",
    ),
    "how-to guide": (
        "How to apply {method} to {name}",
        "How-to: {name} without {problem}",
        "A practical guide to {term}",
    ),
    "after-action review": (
        "After-action review: {problem_cap}",
        "AAR: {name} at {site}",
        "Retrospect on {term} ({site})",
    ),
    "FAQ": (
        "FAQ: {name}",
        "Frequently asked questions about {term}",
        "{synonym_cap}: questions and answers",
    ),
    "checklist": (
        "Checklist for {name}",
        "{term_cap} checklist",
        "Before you start: {synonym} checklist",
    ),
}

INTROS: tuple[str, ...] = (
    "This note is for colleagues who deal with {name} and want to avoid the mistakes we made.",
    "We wrote this after a difficult quarter with {problem}.",
    "Several people asked how we handle {term}, so here is what works for us in {dept}.",
    "This is a short summary of our experience with {synonym} at the {site} site.",
    "If you are new to {name}, start here before you read the policy documents.",
    "Our team in {site} has worked on {term} for {n} years; these are the points we repeat to every newcomer.",
    "This page collects what the {community} community agreed about {synonym} at its last meeting.",
    "A colleague from another site asked us about {problem}; this is the longer answer.",
)

CONTEXT_SENTENCES: tuple[str, ...] = (
    "The trigger was {problem}, which cost us time and credibility.",
    "Most of the trouble came from {problem}.",
    "Our starting point was poor: {problem} was happening every few weeks.",
    "Nobody owned {term}, and it showed.",
    "The team had tried to fix {problem} before, without a method.",
    "In {n} of the last twelve months we saw {problem}.",
    "Our audit found {pct} percent of cases affected by {problem}.",
    "Everyone knew about {problem}, but nobody had time to look at {term} properly.",
)

METHOD_SENTENCES: tuple[str, ...] = (
    "We used {method} to structure the work.",
    "{method_cap} gave us a shared language for {term}.",
    "Applying {method} consistently made the biggest difference.",
    "We combined {method} with {method2}.",
    "The turning point was introducing {method}.",
)

OUTCOME_SENTENCES: tuple[str, ...] = (
    "After two cycles the problem of {problem} had mostly disappeared.",
    "The result was fewer surprises and a clear owner for {term}.",
    "We now review {term} every month, and it takes half the time it used to.",
    "Colleagues in other sites have copied the approach for their own {synonym} work.",
    "It is not perfect, but {problem} no longer catches us out.",
    "Within {n} months the time spent on {term} fell by about {pct} percent.",
    "The {site} team now uses the same approach, and their results are similar.",
)

CLOSINGS: tuple[str, ...] = (
    "Questions are welcome in the {community} community.",
    "If you want to talk it through, ask in the {community} community or contact the authors.",
    "The {community} community keeps this page up to date; comments are welcome.",
    "Related material is tagged {tag} in the knowledge base.",
)

FAQ_QUESTIONS: tuple[str, ...] = (
    "What is the most common mistake with {term}?",
    "Where do I start with {name}?",
    "How do we avoid {problem}?",
    "Which method should we use?",
    "Who should be involved?",
    "How often should we review {term}?",
)

EXTRA_SENTENCES: tuple[str, ...] = (
    "{term_cap} matters more than most people think, especially when {problem} is a risk.",
    "In {dept} we now treat {term} as a standing agenda item rather than a one-off project.",
    "The first time we tried {method}, it took longer than planned; the second time it was routine.",
    "Ask early: the people who have dealt with {problem} before can save you weeks.",
    "Write down who owns {term}; unclear ownership was behind most of our surprises.",
    "We measured the effect before and after, so the improvement is not just a feeling.",
    "Share the result with the {community} community so other sites do not start from zero.",
    "Keep the documentation short; a one-page summary of {method} is read, a thirty-page manual is not.",
    "Budget {n} hours for the first review of {term}; later reviews are much quicker.",
    "Do not wait for a perfect process: start with {method} on one {term} and improve from there.",
    "The {dept} leadership team asked for a quarterly update on {term}, which kept the work visible.",
)

MIXING_SENTENCES: tuple[str, ...] = (
    "This overlaps with {other_name}: {other_tip}",
    "A related lesson from {other_name}: {other_tip}",
    "We also borrowed an idea from colleagues working on {other_synonym}. {other_tip}",
)

SITES: tuple[str, ...] = ("London", "Manchester", "Rotterdam", "Leeds", "Dublin", "Brussels", "Toronto", "Singapore")
