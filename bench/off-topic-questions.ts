/** General-knowledge questions that none of the evaluation corpora (Kendra guide, demo data) can answer. */
export const TRIVIA_QUESTIONS = [
  'What is the capital of Australia?', 'Who painted the Mona Lisa?', 'How many players are on a soccer team?',
  'What is the boiling point of water in Fahrenheit?', 'Who wrote Pride and Prejudice?', 'What is the tallest mountain in the world?',
  'When did the Berlin Wall fall?', 'What is the chemical symbol for gold?', 'How many moons does Mars have?',
  'Who was the first person to walk on the moon?', 'What is the largest ocean on Earth?', 'How do I bake sourdough bread?',
  'Who won the 1998 World Cup?', 'What is the speed of light?', 'What language is spoken in Brazil?',
  'How long does it take to boil an egg?', 'What is the population of Tokyo?', 'Who composed the Ninth Symphony?',
  'What currency is used in Japan?', 'How many bones are in the human body?', 'What is the longest river in Africa?',
  'Who invented the telephone?', 'What year did the Titanic sink?', 'What is the recipe for lasagna?',
  'How far is the Moon from the Earth?', 'Which planet is known as the Red Planet?', 'What is the square root of 144?',
  'Who is the author of War and Peace?', 'What is the best way to train a puppy?', 'How do I change a flat tire?',
  'What is the freezing point of mercury?', 'Which country hosted the 2016 Olympic Games?', 'What does DNA stand for?',
  'Who discovered penicillin?', 'What is the main ingredient of guacamole?', 'How many strings does a violin have?',
  'What is the capital of Canada?', 'When was the Eiffel Tower built?', 'What is the national animal of Scotland?',
  'How tall is the Statue of Liberty?',
];
