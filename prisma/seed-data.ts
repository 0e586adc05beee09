/**
 * The demo project's content: prompts, each with one clearly better and one clearly worse answer,
 * so a first-time user can tell at a glance whether the annotation flow works. `better` is listed
 * first only here; display order is shuffled per task.
 */
export type DemoPair = { prompt: string; better: string; worse: string };

export const DEMO_PAIRS: DemoPair[] = [
  {
    prompt: 'How do I reverse a string in Python?',
    better: 'Use slicing with a step of -1:\n\n```python\ntext = "hello"\nreversed_text = text[::-1]\nprint(reversed_text)  # olleh\n```',
    worse: 'Python strings cannot be reversed. You have to rewrite the program in C.',
  },
  {
    prompt: 'What is the capital of Australia?',
    better: 'The capital of Australia is **Canberra**.',
    worse: 'Sydney, obviously. It is the biggest city, so it is the capital.',
  },
  {
    prompt: 'What is 17 × 6?',
    better: '17 × 6 = **102** (10 × 6 = 60, 7 × 6 = 42, and 60 + 42 = 102).',
    worse: '17 × 6 = 112.',
  },
  {
    prompt: 'Give me a quick tip to fall asleep faster.',
    better: 'Keep a fixed wake-up time, and put screens away about 30 minutes before bed; a cool, dark room helps too.',
    worse: 'Drink two cups of strong coffee right before bed.',
  },
  {
    prompt: 'How do I list all files, including hidden ones, in a Linux terminal?',
    better: 'Run:\n\n```bash\nls -la\n```\n\n`-a` includes hidden files (names starting with `.`) and `-l` shows details.',
    worse: 'Hidden files are hidden, so there is no way to list them.',
  },
  {
    prompt: 'Translate "thank you very much" into Spanish.',
    better: '"Muchas gracias."',
    worse: '"Merci beaucoup."',
  },
  {
    prompt: 'Why is the sky blue?',
    better:
      'Sunlight is scattered by the molecules in the air, and shorter (blue) wavelengths scatter much more than longer (red) ones (Rayleigh scattering), so blue light reaches your eyes from every direction of the sky.',
    worse: 'Because it reflects the ocean.',
  },
  {
    prompt: 'Write a JavaScript function that returns the largest number in an array.',
    better:
      '```js\nfunction largest(numbers) {\n  if (numbers.length === 0) return undefined;\n  return Math.max(...numbers);\n}\n```\n\nFor very large arrays, use a loop or `numbers.reduce((a, b) => (a > b ? a : b))` to avoid argument limits.',
    worse: '```js\nfunction largest(numbers) {\n  return numbers[0];\n}\n```',
  },
  {
    prompt: 'How many days are there in a leap year?',
    better: 'A leap year has **366** days; February has 29 days instead of 28.',
    worse: 'A leap year has 365 days, like every other year.',
  },
  {
    prompt: 'Summarise the plot of "Romeo and Juliet" in one sentence.',
    better: 'Two young lovers from feuding families in Verona marry in secret, and a chain of misunderstandings ends with both taking their own lives, which finally reconciles their families.',
    worse: 'It is a play.',
  },
  {
    prompt: 'What does HTTP status code 404 mean?',
    better: '**404 Not Found**: the server was reached, but it has nothing at the requested URL.',
    worse: 'It means the server is on fire.',
  },
  {
    prompt: 'Suggest a healthy breakfast I can make in five minutes.',
    better: 'Greek yoghurt with a handful of berries, a spoon of oats and a few nuts: protein, fibre and no cooking.',
    worse: 'Skip breakfast and eat a family-size bag of crisps at noon.',
  },
  {
    prompt: 'How do I undo my last Git commit but keep the changes?',
    better: '```bash\ngit reset --soft HEAD~1\n```\n\nThe commit is removed and its changes stay staged. (Do not do this to a commit you already pushed and shared.)',
    worse: 'Delete the `.git` folder and start again.',
  },
  {
    prompt: 'What is the boiling point of water at sea level in Celsius?',
    better: '100 °C (212 °F) at standard atmospheric pressure.',
    worse: '50 °C.',
  },
  {
    prompt: 'Explain what a variable is to a beginner programmer.',
    better: 'A variable is a named box that holds a value. You put something in (`age = 30`), read it later (`print(age)`), and can replace it (`age = 31`).',
    worse: 'A variable is a kind of bug that makes programs vary.',
  },
  {
    prompt: 'Is it safe to look directly at the Sun during a partial solar eclipse?',
    better: 'No. Even when most of the Sun is covered, its light can damage your eyes. Use certified eclipse glasses (ISO 12312-2) or a pinhole projector.',
    worse: 'Yes, a partial eclipse dims the Sun enough, so regular sunglasses are fine.',
  },
  {
    prompt: 'Write a SQL query that counts the rows in a table called `orders`.',
    better: '```sql\nSELECT count(*) FROM orders;\n```',
    worse: '```sql\nDELETE FROM orders;\n```',
  },
  {
    prompt: 'What is the difference between weather and climate?',
    better: 'Weather is the state of the atmosphere over hours or days (rain today); climate is the long-term pattern of weather in a place, usually averaged over 30 years or more.',
    worse: 'There is no difference; they are two words for the same thing.',
  },
  {
    prompt: 'Convert 5 kilometres to miles.',
    better: '5 km ≈ **3.11 miles** (1 km ≈ 0.621 miles).',
    worse: '5 km is 8 miles.',
  },
  {
    prompt: 'My houseplant has yellow leaves. What could be wrong?',
    better:
      'The most common cause is overwatering: check that the pot drains and let the top few centimetres of soil dry between waterings. Too little light or a lack of nutrients can also cause yellowing.',
    worse: 'Plants turn yellow when they are happy. Nothing to do.',
  },
  {
    prompt: 'Give me a synonym for "happy".',
    better: '"Joyful" (others: cheerful, content, glad).',
    worse: '"Sad".',
  },
  {
    prompt: 'How can I check which version of Node.js is installed?',
    better: 'Run `node --version` (or `node -v`) in a terminal; it prints something like `v20.19.0`.',
    worse: 'Open the Node.js website and read the latest version number.',
  },
  {
    prompt: 'Who wrote "Pride and Prejudice"?',
    better: 'Jane Austen, first published in 1813.',
    worse: 'Charles Dickens.',
  },
  {
    prompt: 'Write a haiku about autumn.',
    better: 'Crisp leaves drift and fall\nthe maple lets go of red\ncool wind hums goodbye',
    worse: 'Autumn is a season. It comes after summer. That is all I know.',
  },
];
