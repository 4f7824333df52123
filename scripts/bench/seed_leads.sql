-- Seeds :count leads into tenant :'tenant' in one statement (psql variables:
-- psql -v tenant=<uuid> -v count=<n> -f scripts/bench/seed_leads.sql).
--
-- Rows are what the api writes (it re-parses them on every read): E.164
-- phone and lower-case email unique per tenant, status/source from the
-- domain's sets, empty metadata, version 0, updated_at = created_at, and
-- `search` = lower(name) \n email \n phone.
-- Phones are +1 <area> <local>: the area codes below are the 356 US codes
-- valid with any [2-9]XX-XXXX local number in libphonenumber's metadata
-- (phonenumber crate 0.3.10+9.0.33), which the api's PhoneNumber checks;
-- local numbers here start with 2..7. Numbers starting with 8 are left to
-- scripts/bench/create_lead.lua and with 9 to scripts/bench/lead_insert.sql.
-- Names are 47 first names x 100 last names (coprime, so 4,700 pairs); each
-- last name is on exactly 1% of the rows, spread evenly over time, so a
-- last name is a realistic `q`. created_at spans the last 365 days, and rows
-- go in oldest first, as they would have been inserted.
INSERT INTO leads (id, tenant_id, name, phone, email, status, source, notes, metadata,
                   assigned_to, search, version, created_at, updated_at, deleted_at)
SELECT gen_random_uuid(), :'tenant'::uuid, s.name, s.phone, s.email,
       (ARRAY['new', 'contacted', 'qualified', 'booked', 'won', 'lost'])[1 + s.i % 6],
       (ARRAY['manual', 'import', 'call', 'sms', 'email', 'chat', 'form', 'integration'])[1 + s.i % 8],
       NULL, '{}'::jsonb, NULL,
       lower(s.name) || E'\n' || coalesce(s.email, '') || E'\n' || coalesce(s.phone, ''),
       0, s.created_at, s.created_at, NULL
FROM (
  SELECT g.i,
         n.first || ' ' || n.last AS name,
         -- area = codes[i % n], local = 2000000 + (i / n) * 7919 mod 6000000:
         -- (i % n, i / n) is a bijection and 7919 is prime to 6000000, so unique.
         '+1' || a.codes[1 + g.i % array_length(a.codes, 1)]::text
           || (2000000 + ((g.i / array_length(a.codes, 1)) * 7919) % 6000000)::text AS phone,
         lower(n.first) || '.' || lower(n.last) || g.i::text || '@example.com' AS email,
         now() - g.i * (interval '365 days' / :count) AS created_at
  FROM generate_series(:count, 1, -1) AS g(i)
  CROSS JOIN (SELECT ARRAY[201, 202, 203, 205, 206, 207, 208, 209, 210, 212, 213, 214, 215, 216, 217, 218, 219, 220,
                       223, 224, 225, 227, 228, 229, 231, 234, 235, 239, 240, 248, 251, 252, 253, 254, 256, 260,
                       262, 267, 269, 270, 272, 276, 279, 281, 283, 301, 302, 303, 304, 305, 307, 308, 309, 310,
                       312, 313, 314, 315, 316, 317, 318, 319, 320, 321, 323, 324, 325, 326, 327, 329, 330, 331,
                       332, 334, 336, 337, 339, 341, 346, 347, 350, 351, 352, 353, 360, 361, 363, 364, 369, 380,
                       385, 386, 401, 402, 404, 405, 406, 407, 408, 409, 410, 412, 413, 414, 415, 417, 419, 423,
                       424, 425, 430, 432, 434, 435, 440, 442, 443, 445, 447, 448, 458, 463, 464, 469, 470, 475,
                       478, 479, 480, 484, 501, 502, 503, 504, 505, 507, 508, 509, 510, 512, 513, 515, 516, 517,
                       518, 520, 530, 531, 534, 539, 540, 541, 551, 557, 559, 561, 562, 563, 564, 567, 570, 571,
                       572, 573, 574, 575, 580, 582, 585, 586, 601, 602, 603, 605, 606, 607, 608, 609, 610, 612,
                       614, 615, 616, 617, 618, 619, 620, 623, 626, 628, 629, 630, 631, 636, 640, 641, 645, 646,
                       650, 651, 656, 657, 659, 660, 661, 662, 667, 669, 678, 680, 681, 682, 686, 689, 701, 702,
                       703, 704, 706, 707, 708, 712, 713, 714, 715, 716, 717, 718, 719, 720, 724, 725, 726, 727,
                       728, 730, 731, 732, 734, 737, 738, 740, 743, 747, 748, 754, 757, 760, 762, 763, 765, 769,
                       770, 771, 772, 773, 774, 775, 779, 781, 785, 786, 801, 802, 803, 804, 805, 806, 808, 810,
                       812, 813, 814, 815, 816, 817, 818, 820, 821, 826, 828, 830, 831, 832, 835, 838, 839, 840,
                       843, 845, 847, 848, 850, 854, 856, 857, 858, 859, 860, 862, 863, 864, 865, 870, 872, 878,
                       901, 903, 904, 906, 907, 908, 909, 910, 912, 913, 914, 915, 916, 917, 918, 919, 920, 925,
                       928, 929, 930, 931, 934, 936, 937, 938, 940, 941, 943, 945, 947, 948, 949, 951, 952, 954,
                       956, 959, 970, 971, 972, 973, 975, 978, 979, 980, 984, 985, 986, 989] AS codes) a
  CROSS JOIN LATERAL (
    SELECT f.names[1 + g.i % array_length(f.names, 1)] AS first,
           l.names[1 + (g.i * 37) % array_length(l.names, 1)] AS last
    FROM (SELECT ARRAY['Ana', 'Ben', 'Carla', 'David', 'Elena', 'Frank', 'Grace', 'Hector', 'Irene',
                       'James', 'Kara', 'Liam', 'Maria', 'Noah', 'Olivia', 'Pablo', 'Quinn', 'Rosa',
                       'Samuel', 'Tara', 'Umar', 'Vera', 'Wyatt', 'Ximena', 'Yusuf', 'Zoe', 'Aaron',
                       'Bianca', 'Caleb', 'Diana', 'Ethan', 'Fiona', 'Gabriel', 'Hannah', 'Isaac',
                       'Julia', 'Kevin', 'Laura', 'Marcus', 'Nina', 'Oscar', 'Priya', 'Rafael',
                       'Sofia', 'Thomas', 'Valerie', 'William'] AS names) f,
         (SELECT ARRAY['Smith', 'Johnson', 'Williams', 'Brown', 'Jones', 'Garcia', 'Miller', 'Davis',
                       'Rodriguez', 'Martinez', 'Hernandez', 'Lopez', 'Gonzalez', 'Wilson', 'Anderson',
                       'Thomas', 'Taylor', 'Moore', 'Jackson', 'Martin', 'Lee', 'Perez', 'Thompson',
                       'White', 'Harris', 'Sanchez', 'Clark', 'Ramirez', 'Lewis', 'Robinson', 'Walker',
                       'Young', 'Allen', 'King', 'Wright', 'Scott', 'Torres', 'Nguyen', 'Hill', 'Flores',
                       'Green', 'Adams', 'Nelson', 'Baker', 'Hall', 'Rivera', 'Campbell', 'Mitchell',
                       'Carter', 'Roberts', 'Gomez', 'Phillips', 'Evans', 'Turner', 'Diaz', 'Parker',
                       'Cruz', 'Edwards', 'Collins', 'Reyes', 'Stewart', 'Morris', 'Morales', 'Murphy',
                       'Cook', 'Rogers', 'Gutierrez', 'Ortiz', 'Morgan', 'Cooper', 'Peterson', 'Bailey',
                       'Reed', 'Kelly', 'Howard', 'Ramos', 'Kim', 'Cox', 'Ward', 'Richardson', 'Watson',
                       'Brooks', 'Chavez', 'Wood', 'James', 'Bennett', 'Gray', 'Mendoza', 'Ruiz',
                       'Hughes', 'Price', 'Alvarez', 'Castillo', 'Sanders', 'Patel', 'Myers', 'Long',
                       'Ross', 'Foster', 'Okafor'] AS names) l
  ) n
) s;

-- The tenant's live-lead counter (kept by the api in each write's transaction).
DELETE FROM lead_counts WHERE tenant_id = :'tenant'::uuid;
INSERT INTO lead_counts (tenant_id, shard, live)
SELECT :'tenant'::uuid, 0, COUNT(*) FROM leads WHERE tenant_id = :'tenant'::uuid AND deleted_at IS NULL;
